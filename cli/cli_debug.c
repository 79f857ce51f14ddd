/* cli/cli_debug.c -- `tahoe debug`: diagnostics for operators.
 *
 *   check-grid-manager-certs --server-key PUBKEY [--grid-manager PUBKEY]...
 *       [--now ISO8601] [CERTFILE...]
 * judges each certificate as a client trusting those grid managers would,
 * then says whether that client may upload to the server.  No file is a
 * server that presents no certificate: usable only without managers.  Exit 0 when it
 * may, 3 when it may not, 1 on an error (an unreadable file), 2 on a usage
 * error.
 *
 *   dump-share FILE
 * prints what a share file holds, as Tahoe-LAFS's command of that name:
 * the container (version, leases), the share's layout (block size and the
 * offsets of its sections) and the fields of its URI extension block. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "grid/gm.h"
#include "grid/layout.h"
#include "grid/shares.h"
#include "grid/ueb.h"
#include "grid/uri.h"
#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/file.h"
#include "rpc/ident.h"

#define DEBUG_USAGE \
	"usage: tahoe debug check-grid-manager-certs --server-key PUBKEY\n" \
	"           [--grid-manager PUBKEY]... [--now ISO8601] [CERTFILE...]\n" \
	"       tahoe debug dump-share FILE\n"

#define CHECK_NOT_PERMITTED	3

static int
check_certs(int argc, char **argv)
{
	g_autofree char *server = NULL, *now_text = NULL;
	g_auto(GStrv) managers = NULL;
	const GOptionEntry entries[] = {
		{ "server-key", 's', 0, G_OPTION_ARG_STRING, &server,
		    "the storage server's public key", "PUBKEY" },
		{ "grid-manager", 'g', 0, G_OPTION_ARG_STRING_ARRAY,
		    &managers, "a trusted grid manager's key (repeatable)",
		    "PUBKEY" },
		{ "now", 0, 0, G_OPTION_ARG_STRING, &now_text,
		    "judge expiry at this time instead of now", "ISO8601" },
		G_OPTION_ENTRY_NULL
	};
	const char *what = "debug check-grid-manager-certs";
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, 32);
	g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)grid_cert_free);
	g_autoptr(GError) e = NULL;
	uint8_t spk[32];
	gint64 now = cli_now_us();
	bool permitted;
	int i, r;

	r = cli_parse(what, DEBUG_USAGE, "Check grid-manager certificates.",
	    entries, &argc, &argv);
	if (r >= 0)
		return r;
	if (server == NULL)
		return cli_usage_error(what, DEBUG_USAGE,
		    "--server-key is required");
	if (!rpc_pubkey_parse(server, spk, &e))
		return cli_usage_error(what, DEBUG_USAGE, "--server-key: %s",
		    e->message);
	for (i = 0; managers != NULL && managers[i] != NULL; i++) {
		uint8_t k[32];

		if (!rpc_pubkey_parse(managers[i], k, &e))
			return cli_usage_error(what, DEBUG_USAGE,
			    "--grid-manager: %s", e->message);
		g_array_append_vals(keys, k, 1);
	}
	if (now_text != NULL && !grid_time_parse(now_text, &now, &e))
		return cli_usage_error(what, DEBUG_USAGE, "--now: %s",
		    e->message);

	for (i = 1; i < argc; i++) {
		g_autofree char *text = NULL, *why = NULL;
		grid_cert *c;
		gsize len = 0;

		/* A file too large to be a certificate is reported like
		 * any other invalid one. */
		if (!rpc_file_read_capped(argv[i], GRID_CERT_MAX, &text, &len,
		    &e) && !g_error_matches(e, RPC_ERROR, RPC_E_TOOBIG))
			return cli_error("%s", e->message);
		c = text != NULL ? grid_cert_parse(text, len, &e) : NULL;
		if (c == NULL) {
			printf("%s: invalid: %s\n", argv[i], e->message);
			g_clear_error(&e);
			continue;
		}
		if (keys->len == 0) {
			printf("%s: not checked: no grid manager configured\n",
			    argv[i]);
		} else {
			grid_cert_verdict v = grid_cert_check(c,
			    (const uint8_t *)keys->data, keys->len, spk, now,
			    &why);

			printf("%s: %s: %s\n", argv[i], v == GRID_CERT_VALID ?
			    "valid" : "invalid", why);
		}
		g_ptr_array_add(certs, c);
	}
	permitted = grid_upload_permitted((const uint8_t *)keys->data,
	    keys->len, spk, (grid_cert *const *)certs->pdata, certs->len, now);
	printf("upload permitted: %s\n", permitted ? "yes" : "no");
	return permitted ? CLI_OK : CHECK_NOT_PERMITTED;
}

/* Read 'len' bytes at 'off' of 'f' (fewer at the end of the file). */
static GBytes *
read_range(FILE *f, guint64 off, size_t len)
{
	g_autofree guint8 *buf = g_malloc(len > 0 ? len : 1);
	size_t n;

	if (fseeko(f, (off_t)off, SEEK_SET) != 0)
		return g_bytes_new(NULL, 0);
	n = fread(buf, 1, len, f);
	return g_bytes_new(buf, n);
}

static void
print_hash(const char *name, const uint8_t *h)
{
	g_autofree char *b = rpc_base32_encode(h, GRID_HASH_LEN);

	printf("%20s: %s\n", name, b);
}

static int
dump_share(int argc, char **argv)
{
	const char *what = "debug dump-share";
	g_autoptr(GError) e = NULL;
	g_autoptr(GBytes) head = NULL, ueb = NULL;
	g_autoptr(GArray) leases = NULL;
	grid_share_info info;
	grid_layout lay;
	grid_ueb u;
	const uint8_t *p;
	uint8_t h[GRID_HASH_LEN];
	gsize hl, ul;
	guint64 ueb_len = 0;
	size_t fl, i;
	FILE *f;
	int r;

	r = cli_parse(what, DEBUG_USAGE, "Print what a share file holds.",
	    NULL, &argc, &argv);
	if (r >= 0)
		return r;
	if (argc != 2)
		return cli_usage_error(what, DEBUG_USAGE, "one FILE is needed");
	if (!grid_share_stat(argv[1], &info, &e))
		return cli_error("%s", e->message);
	if ((f = fopen(argv[1], "rb")) == NULL)
		return cli_error("%s: %s", argv[1], g_strerror(errno));
	printf("share filename: %s\n", argv[1]);
	printf("%20s: %u\n", "container version", info.version);
	printf("%20s: %" G_GUINT64_FORMAT "\n", "share data length",
	    info.data_len);
	printf("%20s: %u\n", "leases", info.n_leases);
	head = read_range(f, GRID_SHARE_HDR, GRID_LAYOUT_V2_HEADER);
	p = g_bytes_get_data(head, &hl);
	if (!grid_layout_parse(p, hl, info.data_len, &lay, &e)) {
		fclose(f);
		return cli_error("%s: %s", argv[1], e->message);
	}
	printf("\n%20s: %u\n", "layout version", lay.version);
	printf("%20s: %" G_GUINT64_FORMAT "\n", "block size", lay.block_size);
	printf("%20s: %" G_GUINT64_FORMAT "\n", "data size", lay.data_size);
	{
		static const char *const names[GRID_LAYOUT_N_OFFSETS] = {
			"data", "plaintext_hash_tree", "crypttext_hash_tree",
			"block_hashes", "share_hashes", "uri_extension",
		};

		for (i = 0; i < GRID_LAYOUT_N_OFFSETS; i++)
			printf("%20s: %" G_GUINT64_FORMAT "\n", names[i],
			    lay.offset[i]);
	}
	fl = grid_layout_ueb_field(&lay);
	ueb = read_range(f, GRID_SHARE_HDR + lay.offset[GRID_LAYOUT_UEB],
	    fl + GRID_UEB_MAX);
	p = g_bytes_get_data(ueb, &ul);
	if (ul >= fl)
		ueb_len = grid_layout_ueb_len_get(&lay, p);
	if (ul < fl || ueb_len > ul - fl) {
		fclose(f);
		return cli_error("%s: the URI extension block is cut off",
		    argv[1]);
	}
	if (!grid_ueb_parse(p + fl, (size_t)ueb_len, &u, &e)) {
		fclose(f);
		return cli_error("%s: %s", argv[1], e->message);
	}
	printf("\n%20s: %" G_GUINT64_FORMAT "\n", "size", u.size);
	printf("%20s: %" G_GUINT64_FORMAT "\n", "segment_size",
	    u.segment_size);
	printf("%20s: %" G_GUINT64_FORMAT "\n", "num_segments",
	    u.num_segments);
	printf("%20s: %u\n", "needed_shares", u.needed_shares);
	printf("%20s: %u\n", "total_shares", u.total_shares);
	printf("%20s: crs\n", "codec_name");
	printf("%20s: %" G_GUINT64_FORMAT "-%u-%u\n", "codec_params",
	    u.codec_params.segsize, u.codec_params.k, u.codec_params.n);
	printf("%20s: %" G_GUINT64_FORMAT "-%u-%u\n", "tail_codec_params",
	    u.tail_codec_params.segsize, u.tail_codec_params.k,
	    u.tail_codec_params.n);
	print_hash("share_root_hash", u.share_root_hash);
	print_hash("crypttext_hash", u.crypttext_hash);
	print_hash("crypttext_root_hash", u.crypttext_root_hash);
	grid_ueb_hash(p + fl, (size_t)ueb_len, h);
	print_hash("UEB hash", h);
	leases = grid_share_leases(argv[1], &info, NULL);
	for (i = 0; leases != NULL && i < leases->len; i++) {
		const grid_share_lease *l = &g_array_index(leases,
		    grid_share_lease, i);
		g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(
		    l->expiry);
		g_autofree char *when = t != NULL ?
		    g_date_time_format_iso8601(t) : g_strdup("?");

		printf("\n Lease #%zu: owner=%u, expires %s\n", i, l->owner,
		    when);
	}
	fclose(f);
	return CLI_OK;
}

int
cli_cmd_debug(cli_ctx *ctx, int argc, char **argv)
{
	int r;

	RPC_UNUSED(ctx);
	r = cli_parse("debug", DEBUG_USAGE, "Diagnostics.", NULL, &argc,
	    &argv);
	if (r >= 0)
		return r;
	if (argc < 2)
		return cli_usage_error("debug", DEBUG_USAGE,
		    "no command given");
	if (strcmp(argv[1], "check-grid-manager-certs") == 0)
		return check_certs(argc - 1, argv + 1);
	if (strcmp(argv[1], "dump-share") == 0)
		return dump_share(argc - 1, argv + 1);
	return cli_usage_error("debug", DEBUG_USAGE, "unknown command '%s'",
	    argv[1]);
}
