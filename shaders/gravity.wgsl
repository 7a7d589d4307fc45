// Point-mass + J2 gravity (J2 = 0 gives the point mass), Earth-centred frame, z along the pole.
fn gravity(r: vec3<real>, mu: real, re: real, j2: real) -> vec3<real> {
    let r2 = dot(r, r);
    let rn = sqrt(r2);
    let k = -mu / (r2 * rn);
    let zz = r.z * r.z / r2;
    let c = 1.5 * j2 * re * re / r2;
    let fxy = k * (1.0 - c * (5.0 * zz - 1.0));
    let fz = k * (1.0 - c * (5.0 * zz - 3.0));
    return vec3<real>(fxy * r.x, fxy * r.y, fz * r.z);
}
