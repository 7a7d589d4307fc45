#!/usr/bin/env python3
"""Side-by-side peer benchmark: dispersa against heyoka on the same sampled reentries.

One invocation:
  1. runs `dispersa run CONFIG --samples N` and times it end to end (sampling, propagation and
     the Parquet file included): the dispersa rate is N / wall seconds;
  2. reads the sampled inputs back from samples.parquet and builds the initial Cartesian states
     exactly as dispersa's `Model::pack_input` does (spherical Earth, e2 = 0);
  3. propagates them with heyoka's `taylor_adaptive_batch` (tol 1e-6, --batch lanes), one
     process per core, with an event at landing (altitude 0) and one at the peak of the drag
     deceleration, one `propagate_until` call a batch. The heyoka rate counts propagation only
     (JIT compilation and process start excluded): N / the slowest worker's propagation wall
     time;
  4. checks per sample that both agree on peak g and landing time, on an untimed subset
     compares heyoka against itself at tol 1e-12 and against dispersa on dispersa's own step
     grid (a pure model check), and prints both rates, their ratio and a Markdown table row.

With --rounds N both sides are timed N times, alternating, on the same inputs (this machine's
rates move from run to run by several per cent); the row then carries the median rates and the
median of the rounds' ratios.

Exit status: 0 when every sample agrees, 1 on disagreement, 2 on usage or setup errors.

The problem must be the one heyoka is given here: spherical non-rotating Earth with point-mass
gravity, exponential atmosphere without perturbation, constant Cd, no lift
(configs/bench/ballistic_exponential.toml). Install the Python side with
`pip install -r scripts/requirements-bench.txt`.
"""

import argparse
import contextlib
import datetime
import math
import multiprocessing as mp
import os
import platform
import queue
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import traceback

G0 = 9.80665  # standard gravity, dispersa's "g" (src/physics/constants.rs, docs/SOURCES.md)

# Agreement tolerances: dispersa's accuracy budget, 2e-4 relative on peak g and 0.05 s on event
# times; the check fails only when dispersa leaves it. heyoka at tol 1e-6 is far inside it: the
# untimed subset below measures it against itself at tol 1e-12 (~5e-9 on peak g; ~1 ms on the
# landing time, its error control being relative to |r| ~ 6.4e6 m), and that millisecond is most
# of the landing-time difference seen here. dispersa locates the peak as a maximum of its dense
# output (docs/DESIGN.md); the subset's model check compares heyoka's drag at dispersa's reported
# peak time, and dispersa's landing time, against heyoka at tol 1e-12.
#
# Harness cost: heyoka.py calls event callbacks in Python, so the harness keeps the Python work
# per batch small (docs/PERFORMANCE.md, "The peer's harness made lean"):
# - one propagate_until a batch: the landing event's callback records the lane's time and
#   freezes the lane (its right-hand side is multiplied by a parameter set to 0), so the other
#   lanes go on, where a stopping event would return to Python once per lane;
# - the peak is the first crossing of dD/dt = 0 downwards, a terminal event that continues with
#   a cooldown longer than the flight: on the subsonic fall the drag hovers at the weight and
#   dD/dt crosses zero several times more (3.4 crossings a trajectory were measured), each a
#   Python call. The deceleration's largest value on a ballistic entry is its first maximum
#   (the flight's ends are compared besides), and the per-sample agreement with dispersa, which
#   takes the largest over the whole flight, checks it;
# - batches of --batch lanes (several SIMD vectors) spread the per-batch Python over more lanes.
# Measured 2026-12-04 on the 2-core machine, 200,000 samples, 2 processes: the harness before
# (a stopping landing event, every crossing calling back, batch 4) 42,135 and 42,346 samples/s,
# this one 117,152 and 115,186 (alternating); this one at batch 4, 8, 16 and 32: 76,433, 99,722,
# 114,654 and 111,611. One process without any event: 167,000 (8,000 samples).
PEAK_G_REL_TOL = 2e-4
LANDING_TIME_TOL_S = 0.05

# Dispersable parameters this problem uses, by dotted config path, with their defaults when the
# config leaves them out (src/scenario/reentry/config.rs). A dispersed one is read per sample
# from its Parquet column (the path with "." -> "_").
PARAMS = {
    "planet.mu_m3_s2": None,
    "planet.radius_m": None,
    "atmosphere.rho0_kg_m3": None,
    "atmosphere.scale_height_m": None,
    "atmosphere.density_scale": 1.0,
    "vehicle.mass_kg": None,
    "vehicle.diameter_m": None,
    "vehicle.cd": None,
    "vehicle.cd_scale": 1.0,
    "entry.altitude_km": None,
    "entry.velocity_km_s": None,
    "entry.flight_path_angle_deg": None,
    "entry.azimuth_deg": None,
    "entry.latitude_deg": None,
    "entry.longitude_deg": None,
}
# Parameters that must stay at these values for heyoka's model to be dispersa's.
FIXED = {"vehicle.lift_to_drag": 0.0}

N_PARS = 5  # heyoka parameters per lane: k = Cd A / (2 m), rho0 * scale, 1/H, mu, R
ALIVE = N_PARS  # then 1 while the lane flies, 0 once it has landed (the lane frozen)
GRID_T = N_PARS + 1  # then, in the untimed check only, dispersa's peak-g time
# Cooldown of the peak event [s]: longer than any flight, so only the first maximum counts.
PEAK_COOLDOWN_S = 1.0e6


def die(msg, code=2):
    print(f"bench_peer: {msg}", file=sys.stderr)
    sys.exit(code)


def import_deps():
    try:
        import numpy  # noqa: F401
        import pyarrow.parquet  # noqa: F401
        import heyoka  # noqa: F401
    except ImportError as e:
        die(f"{e}; install the benchmark's Python packages with "
            "`pip install -r scripts/requirements-bench.txt`")


# ---------------------------------------------------------------------------------------------
# Config and initial states


def lookup(cfg, path):
    node = cfg
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def check_problem(cfg):
    """Refuse configs whose model is not the one propagated here."""
    wrong = []
    planet, atm, veh = cfg.get("planet", {}), cfg.get("atmosphere", {}), cfg.get("vehicle", {})
    if planet.get("model") != "spherical":
        wrong.append('planet.model must be "spherical"')
    if planet.get("rotation", True):
        wrong.append("planet.rotation must be false (dispersa's default is true)")
    if atm.get("model") != "exponential":
        wrong.append('atmosphere.model must be "exponential"')
    if "perturbation" in atm:
        wrong.append("no [atmosphere.perturbation]")
    if "cd_table" in veh or "cd" not in veh:
        wrong.append("a constant vehicle.cd, no cd_table")
    for path, value in FIXED.items():
        v = lookup(cfg, path)
        if (v if v is not None else 0.0) != value or path in cfg.get("dispersions", {}):
            wrong.append(f"{path} must be {value} and not dispersed")
    if wrong:
        die("the config is not the heyoka benchmark problem: " + "; ".join(wrong))


def sample_params(cfg, table, np):
    """Per-sample value of every parameter in PARAMS: its Parquet column, else the config's."""
    n = table.num_rows
    out = {}
    for path, default in PARAMS.items():
        col = path.replace(".", "_")
        if col in table.column_names:
            out[path] = table.column(col).to_numpy().astype(np.float64)
        else:
            v = lookup(cfg, path)
            if v is None:
                v = default
            if v is None:
                die(f"{path} is neither in the config nor a column of samples.parquet")
            out[path] = np.full(n, float(v))
    return out


def initial_states(p, np):
    """Initial position, velocity [m, m/s] as dispersa's Model::pack_input with e2 = 0."""
    lat = np.radians(p["entry.latitude_deg"])
    lon = np.radians(p["entry.longitude_deg"])
    a = p["planet.radius_m"]
    h = p["entry.altitude_km"] * 1000.0
    sp, cp = np.sin(lat), np.cos(lat)
    sl, cl = np.sin(lon), np.cos(lon)
    # geodetic_to_cartesian_m with e2 = 0: N = a.
    r0 = np.stack([(a + h) * cp * cl, (a + h) * cp * sl, (a + h) * sp], axis=1)
    up = np.stack([cp * cl, cp * sl, sp], axis=1)
    north = np.stack([-sp * cl, -sp * sl, cp], axis=1)
    east = np.stack([-sl, cl, np.zeros_like(sl)], axis=1)
    fpa = np.radians(p["entry.flight_path_angle_deg"])[:, None]
    az = np.radians(p["entry.azimuth_deg"])[:, None]
    sg, cg, sa, ca = np.sin(fpa), np.cos(fpa), np.sin(az), np.cos(az)
    speed = (p["entry.velocity_km_s"] * 1000.0)[:, None]
    v0 = speed * (sg * up + cg * (ca * north + sa * east))
    area = math.pi * p["vehicle.diameter_m"] ** 2 / 4.0
    pars = np.stack([
        0.5 * p["vehicle.cd"] * p["vehicle.cd_scale"] * area / p["vehicle.mass_kg"],
        p["atmosphere.rho0_kg_m3"] * p["atmosphere.density_scale"],
        1.0 / p["atmosphere.scale_height_m"],
        p["planet.mu_m3_s2"],
        a,
    ], axis=1)
    return r0, v0, pars


# ---------------------------------------------------------------------------------------------
# heyoka model


def drag_acc(state, pars, xp):
    """Drag deceleration [m/s^2] at states (6, batch) with pars (N_PARS, batch), xp = numpy; or
    of one lane (6 numbers, its parameters), xp = math (the event callbacks hold no numpy)."""
    r = xp.sqrt(state[0] ** 2 + state[1] ** 2 + state[2] ** 2)
    s2 = state[3] ** 2 + state[4] ** 2 + state[5] ** 2
    return pars[0] * pars[1] * xp.exp(-(r - pars[4]) * pars[2]) * s2


class PeakCallback:
    """Terminal event at dD/dt = 0 going down that lets the integration go on: keeps each lane's
    largest drag and its time. A terminal event's callback sees the lane at the event's time."""

    def __init__(self, batch, np):
        # heyoka deep-copies the callback into the integrator: numpy arrays only, no module.
        self.value = np.zeros(batch)
        self.t = np.zeros(batch)

    def reset(self):
        self.value[:] = 0.0
        self.t[:] = 0.0

    def __call__(self, ta, d_sgn, lane):
        d = drag_acc(ta.state[:, lane], ta.pars[:, lane], math)
        if d > self.value[lane]:
            self.value[lane] = d
            self.t[lane] = ta.time[lane]
        return True


class LandCallback:
    """Terminal event at altitude 0 going down: records the lane's time and freezes the lane."""

    def __init__(self, batch, np):
        self.t = np.full(batch, math.nan)

    def reset(self):
        self.t[:] = math.nan

    def __call__(self, ta, d_sgn, lane):
        self.t[lane] = ta.time[lane]
        ta.pars[ALIVE, lane] = 0.0
        return True


class GridCallback:
    """Non-terminal event at t = par[GRID_T] (dispersa's reported peak time): the drag there."""

    def __init__(self, batch, np):
        self.value = np.full(batch, math.nan)

    def reset(self):
        self.value[:] = math.nan

    def __call__(self, ta, t, d_sgn, lane):
        tt = ta.time.copy()
        tt[lane] = t  # the other lanes' entries are ignored
        ta.update_d_output(tt)
        self.value[lane] = drag_acc(ta.d_output[:, lane], ta.pars[:, lane], math)


def make_integrator(batch, tol, np, grid_event=False):
    """taylor_adaptive_batch for the ballistic reentry; returns (ta, landing, peak and grid
    callbacks, the last None without grid_event)."""
    import heyoka as hy

    x, y, z, vx, vy, vz = hy.make_vars("x", "y", "z", "vx", "vy", "vz")
    k, rho0, inv_h, mu, rad = (hy.par[i] for i in range(N_PARS))
    alive = hy.par[ALIVE]
    r = hy.sqrt(hy.sum([x * x, y * y, z * z]))
    s2 = hy.sum([vx * vx, vy * vy, vz * vz])
    s = hy.sqrt(s2)
    kr = k * rho0 * hy.exp(-(r - rad) * inv_h)  # dispersa: exp(ln rho0 - h / H), h = |r| - R
    gk = -mu / (r * r * r)
    sys_ = [
        (x, alive * vx), (y, alive * vy), (z, alive * vz),
        (vx, alive * (gk * x - kr * s * vx)),
        (vy, alive * (gk * y - kr * s * vy)),
        (vz, alive * (gk * z - kr * s * vz)),
    ]
    # D = kr s^2; dD/dt = kr (-(r.v)/(r H) s^2 + 2 v.a), v.a = -mu (r.v)/r^3 - kr s^3.
    # Divided by kr > 0, closed form:
    rv = hy.sum([x * vx, y * vy, z * vz])
    dd = -inv_h * rv / r * s2 - 2.0 * mu * rv / (r * r * r) - 2.0 * kr * s2 * s
    down = hy.event_direction.negative
    t_events = [
        hy.t_event_batch(r - rad, callback=LandCallback(batch, np), direction=down),
        hy.t_event_batch(dd, callback=PeakCallback(batch, np), direction=down,
                         cooldown=PEAK_COOLDOWN_S),
    ]
    nt = []
    n_pars = N_PARS + 1
    if grid_event:
        nt.append(hy.nt_event_batch(hy.time - hy.par[GRID_T], GridCallback(batch, np)))
        n_pars += 1
    ta = hy.taylor_adaptive_batch(
        sys_, np.zeros((6, batch)), pars=np.zeros((n_pars, batch)), tol=tol,
        t_events=t_events, nt_events=nt,
    )
    # The integrator holds its own copies of the events: use the callbacks it calls.
    land, peak = (ev.callback for ev in ta.t_events)
    return ta, (land, peak, ta.nt_events[0].callback if grid_event else None)


def propagate(ta, cbs, r0, v0, pars, t_limit, np):
    """Propagate samples in batches; returns (peak drag, t_peak, t_land, landed, grid drag).
    pars: (n, N_PARS) or, with a grid event, (n, N_PARS + 1) with dispersa's peak time last."""
    import heyoka as hy

    land, peak, grid = cbs
    batch = ta.batch_size
    n = r0.shape[0]
    out_peak, t_peak, t_land = np.empty(n), np.empty(n), np.empty(n)
    landed = np.zeros(n, dtype=bool)
    grid_d = np.empty(n)
    zeros = np.zeros(batch)
    t_limits = np.full(batch, t_limit)
    time_limit = int(hy.taylor_outcome.time_limit)
    err_nf = int(hy.taylor_outcome.err_nf_state)
    for i0 in range(0, n, batch):
        idx = np.arange(i0, i0 + batch).clip(max=n - 1)  # pad the last batch with its last sample
        ta.set_time(zeros)
        ta.state[0:3] = r0[idx].T
        ta.state[3:6] = v0[idx].T
        ta.pars[:N_PARS] = pars[idx, :N_PARS].T
        ta.pars[ALIVE] = 1.0
        if grid is not None:
            ta.pars[GRID_T] = pars[idx, N_PARS]
            grid.reset()
        ta.reset_cooldowns()
        land.reset()
        peak.reset()
        # The largest drag may also lie at an end of the trajectory.
        start_d = drag_acc(ta.state, ta.pars, np)
        t_final = t_limits.copy()
        # One call flies the batch: a landed lane is frozen and the others go on. A lane that
        # fails (a non-finite state) stops the call; it is held where it stopped and the batch
        # resumed.
        while True:
            ta.propagate_until(t_final)
            res = [int(r[0]) for r in ta.propagate_res]
            if all(o == time_limit for o in res):
                break
            failed = [lane for lane, o in enumerate(res) if o == err_nf]
            if not failed:
                die(f"heyoka stopped a batch with outcomes {res}")
            for lane in failed:
                t_final[lane] = ta.time[lane]
                ta.pars[ALIVE, lane] = 0.0
        end_d = drag_acc(ta.state, ta.pars, np)
        m = min(batch, n - i0)
        sl = slice(i0, i0 + m)
        ends = np.maximum(start_d, end_d)
        out_peak[sl] = np.maximum(peak.value, ends)[:m]
        lane_landed = np.isfinite(land.t)
        t_end = np.where(lane_landed, land.t, ta.time)
        t_peak[sl] = np.where(peak.value >= ends, peak.t,
                              np.where(start_d >= end_d, 0.0, t_end))[:m]
        t_land[sl] = land.t[:m]
        landed[sl] = lane_landed[:m]
        grid_d[sl] = grid.value[:m] if grid is not None else np.nan
    return out_peak, t_peak, t_land, landed, grid_d


def worker(wid, r0, v0, pars, t_limit, tol, batch, barrier, out):
    try:
        import numpy as np

        t0 = time.perf_counter()
        ta, cbs = make_integrator(batch, tol, np)
        jit_s = time.perf_counter() - t0
        barrier.wait()
        t1, c1 = time.perf_counter(), time.process_time()
        res = propagate(ta, cbs, r0, v0, pars, t_limit, np)
        wall_s, cpu_s = time.perf_counter() - t1, time.process_time() - c1
        out.put(("ok", wid, jit_s, wall_s, cpu_s, res[:4]))
    except BaseException:
        try:
            barrier.abort()
        except Exception:
            pass
        out.put(("error", wid, traceback.format_exc()))


def run_heyoka(r0, v0, pars, t_limit, tol, batch, cores, np):
    n = r0.shape[0]
    cores = max(1, min(cores, (n + batch - 1) // batch))
    # Contiguous slices of whole batches per worker.
    per = ((n + batch - 1) // batch + cores - 1) // cores * batch
    bounds = [(i, min(n, i + per)) for i in range(0, n, per)]
    ctx = mp.get_context("spawn")  # fresh interpreters: no LLVM state shared through fork
    barrier = ctx.Barrier(len(bounds))
    out = ctx.Queue()
    procs = []
    for wid, (a, b) in enumerate(bounds):
        p = ctx.Process(target=worker, args=(wid, r0[a:b], v0[a:b], pars[a:b], t_limit, tol,
                                             batch, barrier, out))
        p.start()
        procs.append(p)
    results, errors = {}, []
    while len(results) + len(errors) < len(procs):
        try:
            msg = out.get(timeout=1.0)
        except queue.Empty:
            # A worker killed outright (signal, out of memory) sends nothing.
            dead = [w for w, p in enumerate(procs) if p.exitcode not in (None, 0)]
            if dead:
                barrier.abort()
                for p in procs:
                    p.kill()
                die(f"heyoka worker {dead[0]} died with exit code {procs[dead[0]].exitcode}")
            continue
        if msg[0] == "ok":
            results[msg[1]] = msg[2:]
        else:
            errors.append(f"worker {msg[1]}:\n{msg[2]}")
    for p in procs:
        p.join()
    if errors:
        die("heyoka worker failed:\n" + "\n".join(errors))
    jit, wall, cpu, res = zip(*(results[w] for w in range(len(bounds))))
    cols = [np.concatenate([r[c] for r in res]) for c in range(4)]
    return {"jit": jit, "wall": wall, "cpu": cpu, "workers": len(bounds)}, cols


# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def output_dir(out):
    """The run's output directory: --out when given, else a temporary one, removed after."""
    if out:
        yield out
        return
    tmp = tempfile.mkdtemp(prefix="bench_peer_")
    try:
        yield os.path.join(tmp, "run")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_dispersa(args, out):
    cmd = [args.dispersa, "run", args.config, "--samples", str(args.samples),
           "--out", out, "--force", "--quiet"]
    if args.backend:
        cmd += ["--backend", args.backend]
    if args.precision:
        cmd += ["--precision", args.precision]
    print("$ " + " ".join(cmd), flush=True)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        die(f"dispersa exited with status {proc.returncode}")
    cpu = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
    return wall, cpu


def stats(x, np):
    return f"max {np.nanmax(x):.3e}, median {np.nanmedian(x):.3e}"


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dispersa", default="target/release/dispersa", help="dispersa binary")
    ap.add_argument("--config", default="configs/bench/ballistic_exponential.toml")
    ap.add_argument("--samples", type=int, default=200000)
    ap.add_argument("--backend", help="passed to dispersa run (e.g. gpu)")
    ap.add_argument("--precision", help="passed to dispersa run (e.g. f64)")
    ap.add_argument("--out", help="dispersa output folder (default: a temporary one, removed)")
    ap.add_argument("--reuse", action="store_true",
                    help="skip the dispersa run and read --out/samples.parquet (no dispersa rate)")
    ap.add_argument("--cores", type=int, default=os.cpu_count(), help="heyoka worker processes")
    ap.add_argument("--tol", type=float, default=1e-6, help="heyoka tolerance")
    ap.add_argument("--batch", type=int, default=16,
                    help="heyoka batch lanes (default 16: four AVX2 vectors, the fastest of "
                         "4, 8 and 16 measured; 0: heyoka's recommended SIMD width)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="time both sides this many times, alternating (dispersa, heyoka, "
                         "dispersa, ...), on the same inputs, and report the median ratio "
                         "(each round's rates and ratio are printed too)")
    ap.add_argument("--check-samples", type=int, default=500,
                    help="untimed subset propagated again at tol 1e-12 with a step-grid event")
    args = ap.parse_args()
    if args.samples <= 0 or args.cores <= 0 or args.check_samples < 0 or args.batch < 0 \
            or args.rounds <= 0:
        die("--samples, --cores and --rounds must be positive, --check-samples and --batch not "
            "negative")
    if args.reuse and not args.out:
        die("--reuse needs --out")
    return args


def dispersa_samples(args, pq):
    """Run dispersa (unless --reuse); returns ((wall, CPU seconds) or None, table, metadata)."""
    if not args.reuse and not (os.path.isfile(args.dispersa) and os.access(args.dispersa, os.X_OK)):
        die(f"no dispersa binary at {args.dispersa} (cargo build --release, or --dispersa PATH)")
    with output_dir(args.out) as out:
        times = None if args.reuse else run_dispersa(args, out)
        path = os.path.join(out, "samples.parquet")
        try:
            table = pq.read_table(path)
            kv = pq.read_metadata(path).metadata or {}
        except OSError as e:
            die(f"cannot read {path}: {e}")
    if not args.reuse and table.num_rows != args.samples:
        die(f"samples.parquet has {table.num_rows} rows, asked for {args.samples}")
    return times, table, {k.decode(): v.decode() for k, v in kv.items()}


def subset_check(d, h, r0, v0, pars, t_limit, batch, m, np):
    """Untimed: the first m samples both landed, again with heyoka at tol 1e-12 and an event at
    dispersa's reported peak-g time, where heyoka's drag must equal dispersa's peak g up to
    dispersa's integration error: a model check free of the peak-location difference."""
    sub = np.flatnonzero(d["landed"] & h["landed"])[:m]
    if sub.size == 0:
        return None
    ta, cbs = make_integrator(batch, 1e-12, np, grid_event=True)
    cpars = np.concatenate([pars[sub], d["t_peak"][sub, None]], axis=1)
    c_peak, c_tpeak, c_tland, _, c_grid = propagate(ta, cbs, r0[sub], v0[sub], cpars, t_limit, np)
    return {
        "n": sub.size,
        "self_g": np.abs(h["peak_g"][sub] * G0 - c_peak) / c_peak,
        "self_t": np.abs(h["t_land"][sub] - c_tland),
        "self_tp": np.abs(h["t_peak"][sub] - c_tpeak),
        "grid_g": np.abs(d["peak_g"][sub] * G0 - c_grid) / c_grid,
        "sampling": (c_peak - c_grid) / c_peak,
        "d_land": np.abs(d["t_land"][sub] - c_tland),
    }


def main():
    args = parse_args()
    import_deps()
    import numpy as np
    import pyarrow.parquet as pq
    import heyoka as hy

    try:
        with open(args.config, "rb") as f:
            cfg = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        die(f"cannot read config {args.config}: {e}")
    check_problem(cfg)
    load = [os.getloadavg()[0]]
    d_times, table, meta = dispersa_samples(args, pq)
    n = table.num_rows

    r0, v0, pars = initial_states(sample_params(cfg, table, np), np)
    t_limit = float(lookup(cfg, "integrator.time_limit_s") or 3600.0)
    d = {
        "peak_g": table.column("peak_g").to_numpy(),
        "t_peak": table.column("time_peak_g_s").to_numpy(),
        "t_land": table.column("time_of_flight_s").to_numpy(),
        "status": np.array(table.column("status").to_pylist()),
    }
    d["landed"] = d["status"] == "landed"
    # Samples dispersa fails up front (unphysical inputs: NaN mass) are not given to heyoka.
    valid = np.isfinite(pars).all(axis=1) & np.isfinite(r0).all(axis=1) \
        & np.isfinite(v0).all(axis=1) & (pars[:, 0] > 0)
    if not valid.any():
        die("no sample has valid inputs (dispersa failed them all)", code=1)

    batch = args.batch or hy.recommended_simd_size()
    print(f"heyoka {hy.__version__}: {valid.sum()} samples, batch {batch}, tol {args.tol:g}, "
          f"up to {args.cores} processes ...", flush=True)
    load.append(os.getloadavg()[0])
    rates, cols = run_heyoka(r0[valid], v0[valid], pars[valid], t_limit, args.tol, batch,
                             args.cores, np)
    h = {"peak_g": np.full(n, np.nan), "t_peak": np.full(n, np.nan),
         "t_land": np.full(n, np.nan), "landed": np.zeros(n, dtype=bool)}
    for key, col in zip(("peak_g", "t_peak", "t_land", "landed"), cols):
        h[key][valid] = col
    h["peak_g"] /= G0
    d_wall, d_cpu = d_times or (None, None)
    rates.update(batch=batch, load=load, d_wall=d_wall, d_cpu=d_cpu, n_heyoka=int(valid.sum()))
    # More rounds, alternating, on the same inputs: (dispersa wall or None, heyoka wall).
    walls = [(d_wall, max(rates["wall"]))]
    for k in range(2, args.rounds + 1):
        print(f"round {k} of {args.rounds} ...", flush=True)
        dw = None
        if not args.reuse:
            with output_dir(args.out) as out:
                dw = run_dispersa(args, out)[0]
        hr, _ = run_heyoka(r0[valid], v0[valid], pars[valid], t_limit, args.tol, batch,
                           args.cores, np)
        walls.append((dw, max(hr["wall"])))
    rates["rounds"] = walls
    chk = subset_check(d, h, r0, v0, pars, t_limit, batch, args.check_samples, np)
    ok = report(args, n, meta, rates, d, h, chk, hy.__version__, np)
    sys.exit(0 if ok else 1)


def report(args, n, meta, rates, d, h, chk, hy_version, np):
    """Print the rates, the agreement and the Markdown row; returns whether all samples agree."""
    status_bad = d["landed"] != h["landed"]
    both = d["landed"] & h["landed"]
    rel_g = np.abs(d["peak_g"] - h["peak_g"]) / h["peak_g"]
    dt_land = np.abs(d["t_land"] - h["t_land"])
    dt_peak = np.abs(d["t_peak"] - h["t_peak"])
    bad = {"peak g": both & ~(rel_g <= PEAK_G_REL_TOL),
           "landing time": both & ~(dt_land <= LANDING_TIME_TOL_S),
           "status": status_bad}
    ok = both.any() and not any(m.any() for m in bad.values())

    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    adapter = meta.get("dispersa.adapter", "?")
    driver = meta.get("dispersa.driver", "?")
    precision = meta.get("dispersa.precision", "?")
    h_wall, d_wall, batch, workers = max(rates["wall"]), rates["d_wall"], rates["batch"], \
        rates["workers"]
    h_rate = rates["n_heyoka"] / h_wall
    d_rate = n / d_wall if d_wall else None
    ratio = f"{d_rate / h_rate:.3f}" if d_rate else "n/a"
    rounds = rates["rounds"]
    if len(rounds) > 1:
        # Each round's dispersa and heyoka rates and their ratio; the medians are reported.
        h_rates = [rates["n_heyoka"] / hw for _, hw in rounds]
        d_rates = [n / dw for dw, _ in rounds] if d_rate else None
        h_rate = float(np.median(h_rates))
        if d_rates:
            ratios = [a / b for a, b in zip(d_rates, h_rates)]
            d_rate = float(np.median(d_rates))
            ratio = f"{float(np.median(ratios)):.3f}"
    print()
    print(f"date            {date}")
    print(f"samples         {n}  (config {args.config})")
    print(f"host CPU        {cpu_name()}, {os.cpu_count()} logical cores")
    print(f"dispersa        adapter {adapter!r}, driver {driver!r}, precision {precision}")
    first = " (round 1)" if len(rounds) > 1 else ""
    if d_rate:
        print(f"dispersa        {d_wall:.2f} s end to end -> {n / d_wall:,.0f} samples/s{first}")
    else:
        print("dispersa        not run (--reuse): no rate")
    print(f"heyoka          {hy_version}, taylor_adaptive_batch, batch {batch}, "
          f"tol {args.tol:g}, {workers} processes")
    print(f"heyoka JIT      {max(rates['jit']):.2f} s per process (max; excluded from the rate)")
    print(f"heyoka          {h_wall:.2f} s propagation (slowest process; per process "
          + ", ".join(f"{w:.2f}" for w in rates["wall"])
          + f" s) -> {rates['n_heyoka'] / h_wall:,.0f} samples/s{first}")
    if len(rounds) > 1:
        for k, hr in enumerate(h_rates):
            dr = f"dispersa {d_rates[k]:,.0f}/s, " if d_rates else ""
            rr = f", ratio {ratios[k]:.3f}" if d_rates else ""
            print(f"round {k + 1:<9} {dr}heyoka {hr:,.0f}/s{rr}")
        print("medians         " + (f"dispersa {d_rate:,.0f}/s, " if d_rates else "")
              + f"heyoka {h_rate:,.0f}/s ({len(rounds)} rounds, alternating)")
        print(f"ratio           {ratio} (median of the rounds' ratios; dispersa end to end / "
              f"heyoka propagation only)")
    else:
        print(f"ratio           {ratio} (dispersa end to end / heyoka propagation only)")
    # Other work on the host slows both; CPU seconds are the same contention-free measure
    # for both on a CPU-only host (dispersa's includes the software GPU's threads).
    h_cpu = sum(rates["cpu"])
    d_cpu = f"dispersa {rates['d_cpu']:.1f} s ({n / rates['d_cpu']:,.0f} samples per CPU s), " \
        if d_rate else ""
    print(f"CPU time        {d_cpu}heyoka {h_cpu:.2f} s "
          f"({rates['n_heyoka'] / h_cpu:,.0f} samples per CPU s){first}")
    print(f"host load       1-min load average {rates['load'][0]:.2f} before dispersa, "
          f"{rates['load'][1]:.2f} before heyoka ({os.cpu_count()} cores)")
    print()
    print(f"landed          dispersa {d['landed'].sum()}, heyoka {h['landed'].sum()}, "
          f"status mismatches {status_bad.sum()}")
    if both.any():
        print(f"peak g          rel diff {stats(rel_g[both], np)}  "
              f"(tolerance {PEAK_G_REL_TOL:g}); dispersa/heyoka - 1: mean "
              f"{np.mean(d['peak_g'][both] / h['peak_g'][both] - 1):.3e}")
        print(f"landing time    |diff| {stats(dt_land[both], np)} s  "
              f"(tolerance {LANDING_TIME_TOL_S:g} s)")
        print(f"peak-g time     |diff| {stats(dt_peak[both], np)} s  "
              f"(not checked: a flat maximum's time is ill-conditioned)")
    if chk:
        print(f"subset of {chk['n']} samples against heyoka at tol 1e-12 (untimed):")
        print(f"  heyoka tol {args.tol:g}: peak g rel {stats(chk['self_g'], np)}; "
              f"landing {stats(chk['self_t'], np)} s; peak time {stats(chk['self_tp'], np)} s")
        print(f"  dispersa peak g vs heyoka drag at dispersa's peak time (model check): "
              f"rel {stats(chk['grid_g'], np)}")
        print(f"  continuous peak above the value at dispersa's peak time: rel "
              f"{stats(chk['sampling'], np)}")
        print(f"  dispersa landing time: |diff| {stats(chk['d_land'], np)} s")
    for name, mask in bad.items():
        if mask.any():
            eg = ", ".join(
                f"{j}: dispersa {d['peak_g'][j]:.6f} g / {d['t_land'][j]:.3f} s / "
                f"{d['status'][j]}, heyoka {h['peak_g'][j]:.6f} g / {h['t_land'][j]:.3f} s"
                for j in np.flatnonzero(mask)[:5])
            print(f"DISAGREE on {name}: {mask.sum()} samples, e.g. sample {eg}")
    print()
    print("| date | samples | dispersa adapter (driver, precision) | dispersa samples/s "
          "(end to end) | heyoka samples/s (propagation; processes x batch, CPU) | ratio "
          "| max peak g rel diff | max landing time diff [s] |")
    print("|---|---|---|---|---|---|---|---|")
    d_rate_s = f"{d_rate:,.0f}" if d_rate else "n/a"
    g_max = f"{np.max(rel_g[both]):.1e}" if both.any() else "n/a"
    t_max = f"{np.max(dt_land[both]):.3f}" if both.any() else "n/a"
    print(f"| {date} | {n:,} | {adapter} ({driver}, {precision}) | {d_rate_s} "
          f"| {h_rate:,.0f} ({workers} x {batch}, {cpu_name()}) | {ratio} | {g_max} | {t_max} |")
    print()
    print("AGREE" if ok else "DISAGREE")
    return ok


if __name__ == "__main__":
    main()
