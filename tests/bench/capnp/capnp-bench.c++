// tests/bench/capnp/capnp-bench.c++ -- the Cap'n Proto peer of rpc-bench
// (same modes, same JSON lines), for tests/bench/run-bench.sh.  Built by
// that script, not by make:
//
//   capnp-bench serve --addr-file PATH        listens on 127.0.0.1:0
//   capnp-bench client --addr-file PATH --mode seq|window|bulk
//       [--seconds S] [--window K] [--size BYTES]
//
// Cap'n Proto's two-party RPC over plain TCP: no encryption and no
// authentication, unlike the tub and Foolscap.  A call that is never
// answered is bounded by run-bench.sh's timeout on every run.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <capnp/ez-rpc.h>
#include <kj/async.h>

#include "bench.capnp.h"

namespace {

double
nowUs()
{
	return std::chrono::duration<double, std::micro>(
	    std::chrono::steady_clock::now().time_since_epoch()).count();
}

[[noreturn]] void
usage(const char *why)
{
	std::fprintf(stderr, "capnp-bench: %s\n"
	    "usage: capnp-bench serve --addr-file PATH\n"
	    "       capnp-bench client --addr-file PATH --mode seq|window|bulk"
	    " [--seconds S] [--window K] [--size BYTES]\n", why);
	std::exit(2);
}

class BenchImpl final : public Bench::Server {
protected:
	kj::Promise<void> add(AddContext ctx) override {
		auto p = ctx.getParams();
		ctx.getResults().setSum(p.getA() + p.getB());
		return kj::READY_NOW;
	}
	kj::Promise<void> echo(EchoContext ctx) override {
		ctx.getResults().setData(ctx.getParams().getData());
		return kj::READY_NOW;
	}
};

struct Stats {
	std::vector<double> lat;
	double t0 = 0, t1 = 0;
	uint64_t ops = 0;
};

double
pct(std::vector<double> &v, double q)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	size_t r = (size_t)std::ceil(q * (double)v.size());
	return v[r == 0 ? 0 : r - 1];
}

void
print(const char *mode, Stats &s, size_t size)
{
	double secs = (s.t1 - s.t0) / 1e6;
	double p50 = pct(s.lat, 0.50), p99 = pct(s.lat, 0.99);

	std::printf("{\"mode\":\"%s\",\"ops\":%llu,\"seconds\":%.3f,"
	    "\"ops_per_s\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f", mode,
	    (unsigned long long)s.ops, secs, (double)s.ops / secs, p50, p99);
	if (size > 0)
		std::printf(",\"mb_per_s\":%.2f,\"size\":%zu",
		    (double)s.ops * (double)size / 1e6 / secs, size);
	std::printf("}\n");
}

// One chain of window mode: a call, and on its answer the next, until the
// end time.
kj::Promise<void>
chain(Bench::Client &cap, Stats &s, double end)
{
	if (nowUs() >= end)
		return kj::READY_NOW;
	double t = nowUs();
	auto req = cap.addRequest();
	req.setA(1);
	req.setB(2);
	return req.send().then([&cap, &s, end, t](
	    capnp::Response<Bench::AddResults> &&r) -> kj::Promise<void> {
		if (r.getSum() != 3)
			usage("add(1,2) did not answer 3");
		s.lat.push_back(nowUs() - t);
		s.ops++;
		return chain(cap, s, end);
	});
}

int
client(const std::string &addr, const std::string &mode, double seconds,
    unsigned window, size_t size)
{
	capnp::EzRpcClient c(addr);
	auto &ws = c.getWaitScope();
	Bench::Client cap = c.getMain<Bench>();
	Stats s;

	// Warm-up, untimed.
	for (int i = 0; i < 200; i++) {
		auto req = cap.addRequest();
		req.setA(1);
		req.setB(2);
		req.send().wait(ws);
	}
	if (mode == "seq") {
		s.t0 = nowUs();
		double end = s.t0 + seconds * 1e6;
		while (nowUs() < end) {
			double t = nowUs();
			auto req = cap.addRequest();
			req.setA(1);
			req.setB(2);
			auto r = req.send().wait(ws);
			if (r.getSum() != 3)
				usage("add(1,2) did not answer 3");
			s.lat.push_back(nowUs() - t);
			s.ops++;
		}
		s.t1 = nowUs();
		print("seq", s, 0);
	} else if (mode == "window") {
		s.t0 = nowUs();
		double end = s.t0 + seconds * 1e6;
		auto b = kj::heapArrayBuilder<kj::Promise<void>>(window);
		for (unsigned i = 0; i < window; i++)
			b.add(chain(cap, s, end));
		kj::joinPromises(b.finish()).wait(ws);
		s.t1 = nowUs();
		print("window", s, 0);
	} else if (mode == "bulk") {
		std::vector<uint8_t> payload(size);
		std::mt19937_64 rng(std::random_device{}());
		for (auto &x : payload)
			x = (uint8_t)rng();
		s.t0 = nowUs();
		double end = s.t0 + seconds * 1e6;
		while (nowUs() < end) {
			double t = nowUs();
			auto req = cap.echoRequest();
			req.setData(kj::arrayPtr(payload.data(), payload.size()));
			auto r = req.send().wait(ws);
			auto d = r.getData();
			if (d.size() != size ||
			    std::memcmp(d.begin(), payload.data(), size) != 0)
				usage("echo answered other bytes");
			s.lat.push_back(nowUs() - t);
			s.ops++;
		}
		s.t1 = nowUs();
		print("bulk", s, size);
	} else {
		usage("--mode is seq, window or bulk");
	}
	return 0;
}

int
serve(const std::string &path)
{
	capnp::ReaderOptions ro;

	ro.traversalLimitInWords = 64 * 1024 * 1024;
	capnp::EzRpcServer server(kj::heap<BenchImpl>(), "127.0.0.1", 0, ro);
	auto &ws = server.getWaitScope();
	unsigned port = server.getPort().wait(ws);
	{
		std::string tmp = path + ".tmp";
		std::ofstream f(tmp);
		f << "127.0.0.1:" << port << "\n";
		f.close();
		if (!f || std::rename(tmp.c_str(), path.c_str()) != 0)
			usage("cannot write the address file");
	}
	kj::NEVER_DONE.wait(ws);
}

}  // namespace

int
main(int argc, char **argv)
{
	std::string cmd, addr_file, mode = "seq";
	double seconds = 3;
	unsigned window = 64;
	size_t size = 1024 * 1024;

	if (argc < 2)
		usage("no command");
	cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		std::string a = argv[i];
		if (i + 1 >= argc)
			usage("an option lacks its value");
		const char *v = argv[++i];
		char *e = nullptr;
		if (a == "--addr-file")
			addr_file = v;
		else if (a == "--mode")
			mode = v;
		else if (a == "--seconds") {
			seconds = std::strtod(v, &e);
			if (*e != '\0' || !(seconds > 0 && seconds <= 3600))
				usage("bad --seconds");
		} else if (a == "--window") {
			unsigned long w = std::strtoul(v, &e, 10);
			if (*e != '\0' || w < 1 || w > 4096)
				usage("bad --window");
			window = (unsigned)w;
		} else if (a == "--size") {
			unsigned long long z = std::strtoull(v, &e, 10);
			if (*e != '\0' || z < 1 || z > 64ull * 1024 * 1024)
				usage("bad --size");
			size = (size_t)z;
		} else
			usage("unknown option");
	}
	if (addr_file.empty())
		usage("--addr-file is needed");
	if (cmd == "serve")
		return serve(addr_file);
	if (cmd != "client")
		usage("the command is serve or client");
	std::ifstream f(addr_file);
	std::string addr;
	if (!(f >> addr) || addr.size() > 64)
		usage("cannot read the address file");
	return client(addr, mode, seconds, window, size);
}
