// Cruise kernel: one invocation owns one trajectory from the flyby to 311P's orbit (or to
// propellant exhaustion or the time limit). Classical RK4 on (r, v, m) with the engine command
// (on/off and, for Q-law and inertial guidance, the direction) held over each step; events at
// step starts. The f64 CPU twin is engine/cpu/cruise.rs.

struct Command {
    on: bool,
    along_v: bool,
    dir: vec3<real>,
};

struct CruiseDeriv {
    dr: vec3<real>,
    dv: vec3<real>,
    mdot: real,
};

fn cruise_deriv(ib: u32, r: vec3<real>, v: vec3<real>, m: real, t: real, cmd: Command) -> CruiseDeriv {
    var d: CruiseDeriv;
    var a = cruise_gravity(r, t);
    d.mdot = 0.0;
    if (cmd.on) {
        let n_on = thrusters_on(ib, r, t);
        let duty = inputs[ib + I_DUTY];
        let thrust = n_on * inputs[ib + I_THRUST] * duty * (1.0 + thrust_noise(ib, t));
        d.mdot = n_on * inputs[ib + I_MDOT] * duty;
        var u = cmd.dir;
        if (cmd.along_v) {
            u = unit3(v);
        }
        a = a + (thrust / m) * point_thrust(ib, u);
    }
    d.dr = v;
    d.dv = a;
    return d;
}

// The arrival test of physics::qlaw::arrived (shaders/qlaw.wgsl), against the target orbit in
// the constants: the one formulation that the tests check.
fn arrived_at_target(r: vec3<real>, v: vec3<real>) -> bool {
    return qlaw_arrived(r, v, consts[C_SUN_MU], consts[C_TGT_A],
        vec3<real>(consts[C_TGT_E], consts[C_TGT_E + 1u], consts[C_TGT_E + 2u]),
        vec3<real>(consts[C_TGT_H], consts[C_TGT_H + 1u], consts[C_TGT_H + 2u]),
        consts[C_TOL_A], consts[C_TOL_E], consts[C_COS_TOL_I]);
}

fn finite3(x: vec3<real>) -> bool {
    return abs(x.x) <= 1.0e30 && abs(x.y) <= 1.0e30 && abs(x.z) <= 1.0e30;
}

@compute @workgroup_size(WG)
fn cruise_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= dims.n || dims.phase != 0u) {
        return;
    }
    let ib = i * dims.in_stride;
    let sb = i * STATE_LEN;
    if (states[sb + S_STATUS] != real(ST_RUNNING)) {
        return;
    }
    var r = vec3<real>(states[sb + S_R], states[sb + S_R + 1u], states[sb + S_R + 2u]);
    var v = vec3<real>(states[sb + S_V], states[sb + S_V + 1u], states[sb + S_V + 2u]);
    var m = states[sb + S_M];
    var t = states[sb + S_T];
    var thrust_on = states[sb + S_THRUST_ON];
    var missed = states[sb + S_MISSED];
    var rmin = states[sb + S_RMIN];
    var rmax = states[sb + S_RMAX];
    var steps = states[sb + S_STEPS];
    var ca_dist = states[sb + S_CA_DIST];
    var ca_t = states[sb + S_CA_T];
    var out_idx = states[sb + S_OUT_IDX];
    var status = ST_RUNNING;
    let dry = inputs[ib + I_MASS0] - inputs[ib + I_PROP0];
    let dt = consts[C_DT];
    var qc: QLawConsts;
    if (dims.guidance == GUIDE_QLAW) {
        qc = qlaw_consts_from(dims.off_qlaw);
    }

    for (var k = 0u; k < dims.max_steps; k = k + 1u) {
        if (!(finite3(r) && finite3(v) && abs(m) <= 1.0e30 && m > 0.0)) {
            status = ST_FAILED;
            break;
        }
        let rn = sqrt(dot(r, r));
        rmin = min(rmin, rn);
        rmax = max(rmax, rn);
        let dc = body_position(dims.n_bodies, t) - r;
        let dcn = sqrt(dot(dc, dc));
        if (dcn < ca_dist) {
            ca_dist = dcn;
            ca_t = t;
        }
        if (arrived_at_target(r, v)) {
            status = ST_ARRIVED;
            break;
        }
        if (m <= dry) {
            status = ST_PROPELLANT_EXHAUSTED;
            break;
        }
        if (t >= consts[C_T_LIMIT]) {
            status = ST_TIMEOUT;
            break;
        }
        let n_on = thrusters_on(ib, r, t);
        let powered = n_on > 0.0;
        var cmd: Command;
        cmd.along_v = false;
        var wants = true;
        if (dims.guidance == GUIDE_TANGENTIAL) {
            cmd.along_v = true;
            cmd.dir = vec3<real>(0.0, 0.0, 0.0);
        } else if (dims.guidance == GUIDE_INERTIAL) {
            cmd.dir = vec3<real>(consts[C_DIR], consts[C_DIR + 1u], consts[C_DIR + 2u]);
        } else if (dims.guidance == GUIDE_OPEN_LOOP) {
            // Replay the nominal's command of this step, in its radial/transverse/normal frame.
            let ks = floor(t / dt + 0.5);
            wants = false;
            cmd.dir = vec3<real>(0.0, 0.0, 0.0);
            if (ks < real(dims.n_ol)) {
                let e = dims.off_ol + 4u * u32(ks);
                let rh = unit3(r);
                let nh = unit3(cross(r, v));
                let th = cross(nh, rh);
                wants = consts[e] != 0.0;
                cmd.dir = consts[e + 1u] * rh + consts[e + 2u] * th + consts[e + 3u] * nh;
            }
        } else {
            let accel = n_on * inputs[ib + I_THRUST] * inputs[ib + I_DUTY] / m;
            let d = qlaw_direction(r, v, consts[C_SUN_MU], max(accel, 1.0e-12), qc);
            wants = d.thrust;
            cmd.dir = d.dir_inertial;
        }
        let outage = in_outage(ib, t, &out_idx);
        cmd.on = powered && wants && !outage;
        if (powered && wants && outage) {
            missed = missed + dt;
        }
        if (cmd.on) {
            thrust_on = thrust_on + dt;
        }
        let h = 0.5 * dt;
        let k1 = cruise_deriv(ib, r, v, m, t, cmd);
        let k2 = cruise_deriv(ib, r + h * k1.dr, v + h * k1.dv, m - h * k1.mdot, t + h, cmd);
        let k3 = cruise_deriv(ib, r + h * k2.dr, v + h * k2.dv, m - h * k2.mdot, t + h, cmd);
        let k4 = cruise_deriv(ib, r + dt * k3.dr, v + dt * k3.dv, m - dt * k3.mdot, t + dt, cmd);
        let c = dt / 6.0;
        r = r + c * (k1.dr + 2.0 * k2.dr + 2.0 * k3.dr + k4.dr);
        v = v + c * (k1.dv + 2.0 * k2.dv + 2.0 * k3.dv + k4.dv);
        m = m - c * (k1.mdot + 2.0 * k2.mdot + 2.0 * k3.mdot + k4.mdot);
        t = t + dt;
        steps = steps + 1.0;
    }

    states[sb + S_R] = r.x;
    states[sb + S_R + 1u] = r.y;
    states[sb + S_R + 2u] = r.z;
    states[sb + S_V] = v.x;
    states[sb + S_V + 1u] = v.y;
    states[sb + S_V + 2u] = v.z;
    states[sb + S_M] = m;
    states[sb + S_T] = t;
    states[sb + S_THRUST_ON] = thrust_on;
    states[sb + S_MISSED] = missed;
    states[sb + S_RMIN] = rmin;
    states[sb + S_RMAX] = rmax;
    states[sb + S_STEPS] = steps;
    states[sb + S_CA_DIST] = ca_dist;
    states[sb + S_CA_T] = ca_t;
    states[sb + S_OUT_IDX] = out_idx;
    states[sb + S_STATUS] = real(status);
    if (status == ST_RUNNING) {
        atomicAdd(&n_running, 1u);
    }
}
