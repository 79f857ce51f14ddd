# Unit tests: one cmocka program per module.
UNIT_LDADD = $(RPC_LIBS) $(CMOCKA_LIBS)
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)

rpc_unit_tests = \
	tests/unit/test_rpc_err \
	tests/unit/test_rpc_base32 \
	tests/unit/test_rpc_rbuf \
	tests/unit/test_rpc_mpread \
	tests/unit/test_rpc_furl \
	tests/unit/test_rpc_ident \
	tests/unit/test_rpc_hs \
	tests/unit/test_rpc_frame \
	tests/unit/test_rpc_msg \
	tests/unit/test_rpc_tub \
	tests/unit/test_rpc_refs \
	tests/unit/test_rpc_schema \
	tests/unit/test_rpc_reconnect \
	tests/unit/test_rpc_hostile
check_PROGRAMS += $(rpc_unit_tests)
TESTS += $(rpc_unit_tests)

tests_unit_test_rpc_err_SOURCES = tests/unit/test_rpc_err.c
tests_unit_test_rpc_err_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_err_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_base32_SOURCES = tests/unit/test_rpc_base32.c
tests_unit_test_rpc_base32_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_base32_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_rbuf_SOURCES = tests/unit/test_rpc_rbuf.c
tests_unit_test_rpc_rbuf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_rbuf_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_mpread_SOURCES = tests/unit/test_rpc_mpread.c
tests_unit_test_rpc_mpread_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_mpread_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_furl_SOURCES = tests/unit/test_rpc_furl.c
tests_unit_test_rpc_furl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_furl_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_ident_SOURCES = tests/unit/test_rpc_ident.c
tests_unit_test_rpc_ident_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_ident_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_hs_SOURCES = tests/unit/test_rpc_hs.c
tests_unit_test_rpc_hs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_hs_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_frame_SOURCES = tests/unit/test_rpc_frame.c
tests_unit_test_rpc_frame_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_frame_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_msg_SOURCES = tests/unit/test_rpc_msg.c
tests_unit_test_rpc_msg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_msg_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_tub_SOURCES = tests/unit/test_rpc_tub.c \
	tests/unit/tubtest.c tests/unit/tubtest.h
tests_unit_test_rpc_tub_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_tub_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_refs_SOURCES = tests/unit/test_rpc_refs.c \
	tests/unit/tubtest.c tests/unit/tubtest.h
tests_unit_test_rpc_refs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_refs_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_schema_SOURCES = tests/unit/test_rpc_schema.c \
	tests/unit/tubtest.c tests/unit/tubtest.h
tests_unit_test_rpc_schema_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_schema_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_reconnect_SOURCES = tests/unit/test_rpc_reconnect.c \
	tests/unit/tubtest.c tests/unit/tubtest.h
tests_unit_test_rpc_reconnect_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_reconnect_LDADD = $(UNIT_LDADD)
tests_unit_test_rpc_hostile_SOURCES = tests/unit/test_rpc_hostile.c \
	tests/unit/tubtest.c tests/unit/tubtest.h
tests_unit_test_rpc_hostile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rpc_hostile_LDADD = $(UNIT_LDADD)

# Benchmark and two-process test peer.
noinst_PROGRAMS += tests/bench/rpc-bench tests/bench/tcp-pingpong \
	tests/bench/aead-speed
tests_bench_rpc_bench_SOURCES = tests/bench/rpc-bench.c
tests_bench_rpc_bench_LDADD = $(RPC_LIBS)
tests_bench_tcp_pingpong_SOURCES = tests/bench/tcp-pingpong.c
tests_bench_aead_speed_SOURCES = tests/bench/aead-speed.c
tests_bench_aead_speed_LDADD = $(SODIUM_LIBS)
EXTRA_DIST += tests/bench/foolscap-bench.py tests/bench/run-bench.sh

# Interop: the protocol document's vectors recomputed with PyNaCl, and an
# independent Python peer of the protocol against the C tub both ways.
TESTS += tests/interop/check_vectors.sh tests/interop/test_interop.sh \
	tests/interop/test_gm_interop.sh
EXTRA_DIST += tests/interop/check_vectors.sh tests/interop/check_vectors.py \
	tests/interop/test_interop.sh tests/interop/peer.py \
	tests/interop/test_gm_interop.sh tests/interop/gm_interop.py
check_PROGRAMS += tests/interop/interop-peer
tests_interop_interop_peer_SOURCES = tests/interop/interop-peer.c
tests_interop_interop_peer_LDADD = $(RPC_LIBS)

# Integration: real processes on loopback.
TESTS += tests/integration/test_rpc_procs.sh tests/integration/test_rpc_liveness \
	tests/integration/test_grid_intro.sh tests/integration/test_seed_grid.sh
check_PROGRAMS += tests/integration/test_rpc_liveness
tests_integration_test_rpc_liveness_SOURCES = \
	tests/integration/test_rpc_liveness.c tests/unit/tubtest.c \
	tests/unit/tubtest.h
tests_integration_test_rpc_liveness_CFLAGS = $(UNIT_CFLAGS)
tests_integration_test_rpc_liveness_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/integration/test_rpc_procs.sh tests/integration/lib.sh \
	tests/integration/test_grid_intro.sh tests/integration/test_seed_grid.sh \
	tests/demo.sh

# Fuzz targets: built as libFuzzer programs with --enable-fuzzing (clang);
# always built against a replay driver so make check runs the corpora.
fuzz_targets = furl frame handshake
fuzz_replays = tests/fuzz/replay_furl tests/fuzz/replay_frame \
	tests/fuzz/replay_handshake tests/fuzz/replay_gm tests/fuzz/replay_announce
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
tests_fuzz_replay_gm_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
tests_fuzz_replay_gm_LDADD = $(GRID_LIBS)
tests_fuzz_replay_announce_SOURCES = tests/fuzz/fuzz_announce.c \
	tests/fuzz/replay.c
tests_fuzz_replay_announce_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
tests_fuzz_replay_announce_LDADD = $(GRID_LIBS)
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_furl tests/fuzz/fuzz_frame \
	tests/fuzz/fuzz_handshake tests/fuzz/fuzz_gm tests/fuzz/fuzz_announce
tests_fuzz_fuzz_announce_SOURCES = tests/fuzz/fuzz_announce.c
tests_fuzz_fuzz_announce_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_announce_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_announce_LDADD = $(GRID_LIBS)
tests_fuzz_fuzz_gm_SOURCES = tests/fuzz/fuzz_gm.c
tests_fuzz_fuzz_gm_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_gm_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_gm_LDADD = $(GRID_LIBS)
tests_fuzz_fuzz_furl_SOURCES = tests/fuzz/fuzz_furl.c
tests_fuzz_fuzz_furl_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_furl_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_furl_LDADD = $(RPC_LIBS)
tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz_frame.c
tests_fuzz_fuzz_frame_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_frame_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_frame_LDADD = $(RPC_LIBS)
tests_fuzz_fuzz_handshake_SOURCES = tests/fuzz/fuzz_handshake.c
tests_fuzz_fuzz_handshake_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_handshake_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_handshake_LDADD = $(RPC_LIBS)
endif

# Command-level tests of the tahoe program.
TESTS += tests/cli/test_grid_manager.sh tests/cli/test_enroll.sh \
	tests/cli/test_node_cmds.sh
EXTRA_DIST += tests/cli/test_grid_manager.sh tests/cli/test_enroll.sh \
	tests/cli/test_node_cmds.sh \
	tests/cli/lib.sh

# node/ and grid/ unit tests.
node_grid_unit_tests = tests/unit/test_node_config tests/unit/test_grid_gm \
	tests/unit/test_node_web tests/unit/test_grid_intro \
	tests/unit/test_node_dir
check_PROGRAMS += $(node_grid_unit_tests)
TESTS += $(node_grid_unit_tests)
tests_unit_test_node_config_SOURCES = tests/unit/test_node_config.c
tests_unit_test_node_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_node_config_LDADD = $(NODE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_grid_gm_SOURCES = tests/unit/test_grid_gm.c
tests_unit_test_grid_gm_CFLAGS = $(UNIT_CFLAGS) $(JSON_CFLAGS)
tests_unit_test_grid_gm_LDADD = $(GRID_LIBS) $(CMOCKA_LIBS)
tests_unit_test_node_web_SOURCES = tests/unit/test_node_web.c
tests_unit_test_node_web_CFLAGS = $(UNIT_CFLAGS) $(JSON_CFLAGS) $(MHD_CFLAGS)
tests_unit_test_node_web_LDADD = $(NODE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_grid_intro_SOURCES = tests/unit/test_grid_intro.c \
	tests/unit/tubtest.c tests/unit/tubtest.h
tests_unit_test_grid_intro_CFLAGS = $(UNIT_CFLAGS) $(JSON_CFLAGS)
tests_unit_test_grid_intro_LDADD = $(GRID_LIBS) $(CMOCKA_LIBS)
tests_unit_test_node_dir_SOURCES = tests/unit/test_node_dir.c
tests_unit_test_node_dir_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_node_dir_LDADD = $(NODE_LIBS) $(CMOCKA_LIBS)

# CHK immutable files: unit tests of each grid/ module.
chk_unit_tests = tests/unit/test_grid_hashutil tests/unit/test_grid_hashtree \
	tests/unit/test_grid_fec tests/unit/test_grid_uri tests/unit/test_grid_ueb \
	tests/unit/test_grid_chk tests/unit/test_grid_layout \
	tests/unit/test_grid_happiness
check_PROGRAMS += $(chk_unit_tests)
TESTS += $(chk_unit_tests)
EXTRA_DIST += tests/unit/grid_testutil.h tests/interop/zfec_vectors.py \
	tests/interop/zfec-vectors.txt tests/interop/chk-vectors.txt \
	tests/interop/happiness-vectors.txt tests/interop/tahoe-shares.txt
CHK_UNIT_CFLAGS = $(UNIT_CFLAGS) $(JSON_CFLAGS)
tests_unit_test_grid_hashutil_SOURCES = tests/unit/test_grid_hashutil.c
tests_unit_test_grid_hashutil_CFLAGS = $(CHK_UNIT_CFLAGS)
tests_unit_test_grid_hashutil_LDADD = $(GRID_LIBS) $(CMOCKA_LIBS)
tests_unit_test_grid_hashtree_SOURCES = tests/unit/test_grid_hashtree.c
tests_unit_test_grid_hashtree_CFLAGS = $(CHK_UNIT_CFLAGS)
tests_unit_test_grid_hashtree_LDADD = $(GRID_LIBS) $(CMOCKA_LIBS)
tests_unit_test_grid_fec_SOURCES = tests/unit/test_grid_fec.c
tests_unit_test_grid_fec_CFLAGS = $(CHK_UNIT_CFLAGS)
tests_unit_test_grid_fec_LDADD = $(GRID_LIBS) $(CMOCKA_LIBS)
tests_unit_test_grid_uri_SOURCES = tests/unit/test_grid_uri.c
tests_unit_test_grid_uri_CFLAGS = $(CHK_UNIT_CFLAGS)
tests_unit_test_grid_uri_LDADD = $(GRID_LIBS) $(CMOCKA_LIBS)
tests_unit_test_grid_ueb_SOURCES = tests/unit/test_grid_ueb.c
tests_unit_test_grid_ueb_CFLAGS = $(CHK_UNIT_CFLAGS)
tests_unit_test_grid_ueb_LDADD = $(GRID_LIBS) $(CMOCKA_LIBS)
tests_unit_test_grid_chk_SOURCES = tests/unit/test_grid_chk.c
tests_unit_test_grid_chk_CFLAGS = $(CHK_UNIT_CFLAGS)
tests_unit_test_grid_chk_LDADD = $(GRID_LIBS) $(CMOCKA_LIBS)
tests_unit_test_grid_layout_SOURCES = tests/unit/test_grid_layout.c
tests_unit_test_grid_layout_CFLAGS = $(CHK_UNIT_CFLAGS)
tests_unit_test_grid_layout_LDADD = $(GRID_LIBS) $(CMOCKA_LIBS)
tests_unit_test_grid_happiness_SOURCES = tests/unit/test_grid_happiness.c
tests_unit_test_grid_happiness_CFLAGS = $(CHK_UNIT_CFLAGS)
tests_unit_test_grid_happiness_LDADD = $(GRID_LIBS) $(CMOCKA_LIBS)

# CHK fuzz targets (caps, URI extension blocks, shares): replayed by make
# check, libFuzzer programs with --enable-fuzzing.
chk_fuzz_replays = tests/fuzz/replay_cap tests/fuzz/replay_ueb \
	tests/fuzz/replay_share
check_PROGRAMS += $(chk_fuzz_replays)
TESTS += tests/fuzz/replay-chk.sh
EXTRA_DIST += tests/fuzz/replay-chk.sh
tests_fuzz_replay_cap_SOURCES = tests/fuzz/fuzz_cap.c tests/fuzz/replay.c
tests_fuzz_replay_cap_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
tests_fuzz_replay_cap_LDADD = $(GRID_LIBS)
tests_fuzz_replay_ueb_SOURCES = tests/fuzz/fuzz_ueb.c tests/fuzz/replay.c
tests_fuzz_replay_ueb_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
tests_fuzz_replay_ueb_LDADD = $(GRID_LIBS)
tests_fuzz_replay_share_SOURCES = tests/fuzz/fuzz_share.c tests/fuzz/replay.c
tests_fuzz_replay_share_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
tests_fuzz_replay_share_LDADD = $(GRID_LIBS)
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_cap tests/fuzz/fuzz_ueb \
	tests/fuzz/fuzz_share
tests_fuzz_fuzz_cap_SOURCES = tests/fuzz/fuzz_cap.c
tests_fuzz_fuzz_cap_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_cap_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_cap_LDADD = $(GRID_LIBS)
tests_fuzz_fuzz_ueb_SOURCES = tests/fuzz/fuzz_ueb.c
tests_fuzz_fuzz_ueb_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_ueb_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_ueb_LDADD = $(GRID_LIBS)
tests_fuzz_fuzz_share_SOURCES = tests/fuzz/fuzz_share.c
tests_fuzz_fuzz_share_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_share_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_share_LDADD = $(GRID_LIBS)
endif
noinst_PROGRAMS += tests/bench/chk-bench
tests_bench_chk_bench_SOURCES = tests/bench/chk-bench.c
tests_bench_chk_bench_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
tests_bench_chk_bench_LDADD = $(GRID_LIBS)
