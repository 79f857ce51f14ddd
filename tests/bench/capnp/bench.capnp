# tests/bench/capnp/bench.capnp -- the methods rpc-bench and
# foolscap-bench.py serve, for Cap'n Proto: add(a, b) and echo(data).
@0xc4a1f0d2b3e59a17;

interface Bench {
  add @0 (a :Int64, b :Int64) -> (sum :Int64);
  echo @1 (data :Data) -> (data :Data);
}
