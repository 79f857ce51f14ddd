# Test programs.  A program that sets none of its own gets from automake
# PROGRAM.c as its only source, AM_CFLAGS and the LDADD below, so a new
# unit test is one name in a list, plus an LDADD line when it tests more
# than rpc/.  The header paths tests need (cmocka, jansson) go into
# AM_CPPFLAGS: search paths only, and check-includes.sh still keeps each
# library to the headers it may use.
AM_CPPFLAGS += $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS) $(MHD_CFLAGS)

# Helpers for tests that run tubs on one loop; a static library, so a
# program links them only if it calls them.
check_LIBRARIES = tests/unit/libtubtest.a tests/unit/libgridtest.a
tests_unit_libtubtest_a_SOURCES = tests/unit/tubtest.c tests/unit/tubtest.h
# The upload and download tests' fixture: storage servers on one loop.
tests_unit_libgridtest_a_SOURCES = tests/unit/grid_fixture.c \
	tests/unit/grid_fixture.h

LDADD = tests/unit/libtubtest.a $(RPC_LIBS) $(CMOCKA_LIBS)
NODE_TEST_LDADD = $(NODE_LIBS) $(CMOCKA_LIBS)
GRID_TEST_LDADD = tests/unit/libgridtest.a tests/unit/libtubtest.a \
	$(GRID_LIBS) $(CMOCKA_LIBS)

# Unit tests: one cmocka program per module, test_FOLDER_MODULE.c.
rpc_unit_tests = \
	tests/unit/test_rpc_err \
	tests/unit/test_rpc_base32 \
	tests/unit/test_rpc_rbuf \
	tests/unit/test_rpc_mpread \
	tests/unit/test_rpc_furl \
	tests/unit/test_rpc_file \
	tests/unit/test_rpc_ident \
	tests/unit/test_rpc_hs \
	tests/unit/test_rpc_frame \
	tests/unit/test_rpc_msg \
	tests/unit/test_rpc_tub \
	tests/unit/test_rpc_refs \
	tests/unit/test_rpc_schema \
	tests/unit/test_rpc_reconnect \
	tests/unit/test_rpc_hostile
node_unit_tests = \
	tests/unit/test_node_cfg \
	tests/unit/test_node_web \
	tests/unit/test_node_dir
grid_unit_tests = \
	tests/unit/test_grid_gm \
	tests/unit/test_grid_cfg \
	tests/unit/test_grid_intro \
	tests/unit/test_grid_storage \
	tests/unit/test_grid_leasedb \
	tests/unit/test_grid_upload \
	tests/unit/test_grid_download \
	tests/unit/test_grid_hashutil \
	tests/unit/test_grid_hashtree \
	tests/unit/test_grid_fec \
	tests/unit/test_grid_uri \
	tests/unit/test_grid_ueb \
	tests/unit/test_grid_chk \
	tests/unit/test_grid_layout \
	tests/unit/test_grid_happiness
acct_unit_tests = \
	tests/unit/test_acct_mac \
	tests/unit/test_acct_mgr
cli_unit_tests = \
	tests/unit/test_cli_size
check_PROGRAMS += $(rpc_unit_tests) $(node_unit_tests) $(grid_unit_tests) \
	$(acct_unit_tests) $(cli_unit_tests)
TESTS += $(rpc_unit_tests) $(node_unit_tests) $(grid_unit_tests) \
	$(acct_unit_tests) $(cli_unit_tests)
# cli/ has no library: its unit tests build the module they test.
tests_unit_test_cli_size_SOURCES = tests/unit/test_cli_size.c cli/size.c \
	cli/size.h
tests_unit_test_cli_size_LDADD = $(NODE_TEST_LDADD)
ACCT_TEST_LDADD = tests/unit/libtubtest.a $(ACCT_LIBS) $(CMOCKA_LIBS)
tests_unit_test_acct_mac_LDADD = $(ACCT_TEST_LDADD)
tests_unit_test_acct_mgr_LDADD = $(ACCT_TEST_LDADD)
tests_unit_test_node_cfg_LDADD = $(NODE_TEST_LDADD)
tests_unit_test_node_web_LDADD = $(NODE_TEST_LDADD)
tests_unit_test_node_dir_LDADD = $(NODE_TEST_LDADD)
tests_unit_test_grid_gm_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_cfg_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_intro_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_storage_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_leasedb_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_upload_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_download_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_hashutil_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_hashtree_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_fec_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_uri_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_ueb_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_chk_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_layout_LDADD = $(GRID_TEST_LDADD)
tests_unit_test_grid_happiness_LDADD = $(GRID_TEST_LDADD)
EXTRA_DIST += tests/unit/grid_testutil.h tests/unit/node_testutil.h tests/interop/zfec_vectors.py \
	tests/interop/zfec-vectors.txt tests/interop/chk-vectors.txt \
	tests/interop/happiness-vectors.txt tests/interop/tahoe-shares.txt

# Benchmark and two-process test peer.
noinst_PROGRAMS += tests/bench/rpc-bench tests/bench/tcp-pingpong \
	tests/bench/aead-speed tests/bench/conn-bench tests/bench/attack-bench
tests_bench_rpc_bench_LDADD = $(RPC_LIBS)
tests_bench_conn_bench_LDADD = $(RPC_LIBS)
tests_bench_attack_bench_LDADD = $(RPC_LIBS)
tests_bench_tcp_pingpong_LDADD =
tests_bench_aead_speed_LDADD = $(RPC_LIBS)
EXTRA_DIST += tests/bench/bench.h tests/bench/foolscap-bench.py \
	tests/bench/run-bench.sh \
	tests/bench/grid-bench.sh tests/bench/capnp/bench.capnp \
	tests/bench/capnp/capnp-bench.c++

# Interop: the protocol document's vectors recomputed with PyNaCl, and an
# independent Python peer of the protocol against the C tub both ways.
TESTS += tests/interop/check_vectors.sh tests/interop/test_interop.sh \
	tests/interop/test_gm_interop.sh
EXTRA_DIST += tests/interop/check_vectors.sh tests/interop/check_vectors.py \
	tests/interop/test_interop.sh tests/interop/peer.py \
	tests/interop/test_gm_interop.sh tests/interop/gm_interop.py
check_PROGRAMS += tests/interop/interop-peer
tests_interop_interop_peer_LDADD = $(RPC_LIBS)

# Integration: real processes on loopback.
TESTS += tests/integration/test_rpc_procs.sh tests/integration/test_rpc_liveness \
	tests/integration/test_grid_intro.sh tests/integration/test_seed_grid.sh \
	tests/integration/test_grid_put_get.sh tests/integration/test_gm_live.sh \
	tests/integration/test_welcome_browser.sh \
	tests/integration/test_accounts.sh \
	tests/integration/test_accounts_browser.sh \
	tests/integration/test_accounts_terminate.sh \
	tests/integration/test_attack_bench.sh \
	tests/integration/test_node_gifts.sh
check_PROGRAMS += tests/integration/test_rpc_liveness \
	tests/integration/gift-check
EXTRA_DIST += tests/integration/test_rpc_procs.sh tests/integration/lib.sh \
	tests/integration/test_grid_intro.sh tests/integration/test_seed_grid.sh \
	tests/integration/test_grid_put_get.sh tests/integration/test_gm_live.sh \
	tests/integration/test_welcome_browser.sh tests/demo.sh tests/demo_lib.sh \
	tests/integration/test_accounts_browser.sh tests/integration/tables.py \
	tests/integration/test_accounts.sh tests/demo_accounts.sh \
	tests/integration/test_accounts_terminate.sh \
	tests/integration/test_attack_bench.sh \
	tests/integration/test_node_gifts.sh

# Fuzz targets: built as libFuzzer programs with --enable-fuzzing (clang);
# always built against a replay driver (replay_NAME: fuzz_NAME.c and
# replay.c) so make check runs the corpora.
fuzz_replays = tests/fuzz/replay_furl tests/fuzz/replay_frame \
	tests/fuzz/replay_handshake tests/fuzz/replay_gm tests/fuzz/replay_announce \
	tests/fuzz/replay_cap tests/fuzz/replay_ueb tests/fuzz/replay_share \
	tests/fuzz/replay_swissnum
check_PROGRAMS += $(fuzz_replays)
TESTS += tests/fuzz/replay.sh
EXTRA_DIST += tests/fuzz/replay.sh tests/fuzz/corpus tests/check-includes.sh
tests_fuzz_replay_furl_SOURCES = tests/fuzz/fuzz_furl.c tests/fuzz/replay.c
tests_fuzz_replay_furl_LDADD = $(RPC_LIBS)
tests_fuzz_replay_frame_SOURCES = tests/fuzz/fuzz_frame.c tests/fuzz/replay.c
tests_fuzz_replay_frame_LDADD = $(RPC_LIBS)
tests_fuzz_replay_handshake_SOURCES = tests/fuzz/fuzz_handshake.c \
	tests/fuzz/replay.c
tests_fuzz_replay_handshake_LDADD = $(RPC_LIBS)
tests_fuzz_replay_gm_SOURCES = tests/fuzz/fuzz_gm.c tests/fuzz/replay.c
tests_fuzz_replay_gm_LDADD = $(GRID_LIBS)
tests_fuzz_replay_announce_SOURCES = tests/fuzz/fuzz_announce.c \
	tests/fuzz/replay.c
tests_fuzz_replay_announce_LDADD = $(GRID_LIBS)
tests_fuzz_replay_cap_SOURCES = tests/fuzz/fuzz_cap.c tests/fuzz/replay.c
tests_fuzz_replay_cap_LDADD = $(GRID_LIBS)
tests_fuzz_replay_ueb_SOURCES = tests/fuzz/fuzz_ueb.c tests/fuzz/replay.c
tests_fuzz_replay_ueb_LDADD = $(GRID_LIBS)
tests_fuzz_replay_share_SOURCES = tests/fuzz/fuzz_share.c tests/fuzz/replay.c
tests_fuzz_replay_share_LDADD = $(GRID_LIBS)
tests_fuzz_replay_swissnum_SOURCES = tests/fuzz/fuzz_swissnum.c \
	tests/fuzz/replay.c
tests_fuzz_replay_swissnum_LDADD = $(ACCT_LIBS)
if FUZZING
# fuzz_NAME is fuzz_NAME.c alone, linked with libFuzzer's main.
noinst_PROGRAMS += tests/fuzz/fuzz_furl tests/fuzz/fuzz_frame \
	tests/fuzz/fuzz_handshake tests/fuzz/fuzz_gm tests/fuzz/fuzz_announce \
	tests/fuzz/fuzz_cap tests/fuzz/fuzz_ueb tests/fuzz/fuzz_share \
	tests/fuzz/fuzz_swissnum
FUZZ_TARGET_COMPILE = $(AM_CFLAGS) $(FUZZ_CFLAGS)
FUZZ_TARGET_LINK = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_furl_CFLAGS = $(FUZZ_TARGET_COMPILE)
tests_fuzz_fuzz_furl_LDFLAGS = $(FUZZ_TARGET_LINK)
tests_fuzz_fuzz_furl_LDADD = $(RPC_LIBS)
tests_fuzz_fuzz_frame_CFLAGS = $(FUZZ_TARGET_COMPILE)
tests_fuzz_fuzz_frame_LDFLAGS = $(FUZZ_TARGET_LINK)
tests_fuzz_fuzz_frame_LDADD = $(RPC_LIBS)
tests_fuzz_fuzz_handshake_CFLAGS = $(FUZZ_TARGET_COMPILE)
tests_fuzz_fuzz_handshake_LDFLAGS = $(FUZZ_TARGET_LINK)
tests_fuzz_fuzz_handshake_LDADD = $(RPC_LIBS)
tests_fuzz_fuzz_gm_CFLAGS = $(FUZZ_TARGET_COMPILE)
tests_fuzz_fuzz_gm_LDFLAGS = $(FUZZ_TARGET_LINK)
tests_fuzz_fuzz_gm_LDADD = $(GRID_LIBS)
tests_fuzz_fuzz_announce_CFLAGS = $(FUZZ_TARGET_COMPILE)
tests_fuzz_fuzz_announce_LDFLAGS = $(FUZZ_TARGET_LINK)
tests_fuzz_fuzz_announce_LDADD = $(GRID_LIBS)
tests_fuzz_fuzz_cap_CFLAGS = $(FUZZ_TARGET_COMPILE)
tests_fuzz_fuzz_cap_LDFLAGS = $(FUZZ_TARGET_LINK)
tests_fuzz_fuzz_cap_LDADD = $(GRID_LIBS)
tests_fuzz_fuzz_ueb_CFLAGS = $(FUZZ_TARGET_COMPILE)
tests_fuzz_fuzz_ueb_LDFLAGS = $(FUZZ_TARGET_LINK)
tests_fuzz_fuzz_ueb_LDADD = $(GRID_LIBS)
tests_fuzz_fuzz_share_CFLAGS = $(FUZZ_TARGET_COMPILE)
tests_fuzz_fuzz_share_LDFLAGS = $(FUZZ_TARGET_LINK)
tests_fuzz_fuzz_share_LDADD = $(GRID_LIBS)
tests_fuzz_fuzz_swissnum_CFLAGS = $(FUZZ_TARGET_COMPILE)
tests_fuzz_fuzz_swissnum_LDFLAGS = $(FUZZ_TARGET_LINK)
tests_fuzz_fuzz_swissnum_LDADD = $(ACCT_LIBS)
endif

# Command-level tests of the tahoe program.
TESTS += tests/cli/test_grid_manager.sh tests/cli/test_enroll.sh \
	tests/cli/test_node_cmds.sh
EXTRA_DIST += tests/cli/test_grid_manager.sh tests/cli/test_enroll.sh \
	tests/cli/test_node_cmds.sh \
	tests/cli/lib.sh
noinst_PROGRAMS += tests/bench/chk-bench
tests_bench_chk_bench_LDADD = $(GRID_LIBS)
noinst_PROGRAMS += tests/bench/acct-bench
tests_bench_acct_bench_LDADD = $(ACCT_LIBS)
noinst_PROGRAMS += tests/bench/usage-bench
tests_bench_usage_bench_LDADD = $(GRID_LIBS)
