// Geodetic altitude above an ellipsoid (semi-major axis a, eccentricity squared e2) with sqrt
// and division only: fixed-point iteration on the direction of the normal,
// (cos phi, sin phi) ~ (p, z + e2 N sin phi), which contracts by ~e2 per pass. The altitude
// p cos phi + z sin phi - a^2 / N is stationary in phi, so its error is ~R dphi^2 / 2: two
// passes leave dphi ~ 1e-9 rad at entry altitudes and the altitude exact to rounding.
// SPHERICAL (an override constant, e2 = 0) takes the distance from the centre instead.
fn geodetic_altitude(r: vec3<real>, a: real, e2: real) -> real {
    return geodetic_frame(r, a, e2).x;
}

// The altitude, and the cosine and sine of the geodetic latitude (the normal's direction).
fn geodetic_frame(r: vec3<real>, a: real, e2: real) -> vec3<real> {
    let p = sqrt(r.x * r.x + r.y * r.y);
    let z = r.z;
    if (SPHERICAL == 1u) {
        let rn = length(r);
        return vec3<real>(rn - a, p / rn, z / rn);
    }
    var c: real = p * (1.0 - e2);
    var s: real = z;
    var inv: real = 1.0 / sqrt(c * c + s * s);
    c = c * inv;
    s = s * inv;
    for (var i = 0; i < 2; i = i + 1) {
        let nn = a / sqrt(1.0 - e2 * s * s);
        let ss = z + e2 * nn * s;
        inv = 1.0 / sqrt(p * p + ss * ss);
        c = p * inv;
        s = ss * inv;
    }
    // a^2 / N = a sqrt(1 - e2 sin^2 phi).
    return vec3<real>(p * c + z * s - a * sqrt(1.0 - e2 * s * s), c, s);
}
