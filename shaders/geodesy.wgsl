// Geodetic altitude above an ellipsoid (semi-major axis a, eccentricity squared e2; e2 = 0 is a
// sphere) with sqrt and division only: fixed-point iteration on the direction of the normal,
// (cos phi, sin phi) ~ (p, z + e2 N sin phi), which contracts by ~e2 per pass.
fn geodetic_altitude(r: vec3<real>, a: real, e2: real) -> real {
    let p = sqrt(r.x * r.x + r.y * r.y);
    let z = r.z;
    var c: real = p * (1.0 - e2);
    var s: real = z;
    var inv: real = 1.0 / sqrt(c * c + s * s);
    c = c * inv;
    s = s * inv;
    for (var i = 0; i < 4; i = i + 1) {
        let nn = a / sqrt(1.0 - e2 * s * s);
        let ss = z + e2 * nn * s;
        inv = 1.0 / sqrt(p * p + ss * ss);
        c = p * inv;
        s = ss * inv;
    }
    let nn = a / sqrt(1.0 - e2 * s * s);
    return p * c + z * s - a * a / nn;
}
