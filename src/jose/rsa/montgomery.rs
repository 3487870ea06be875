//! Montgomery arithmetic modulo a public RSA modulus, with 32-bit limbs.
//!
//! **Variable time, public data only.** Every loop here runs a number of iterations and takes
//! branches that depend on the values involved (the exponent's bits, the final conditional
//! subtraction, early exits in comparisons). That is fine for signature *verification*, where
//! the modulus, the exponent, the signature and the recovered message are all public; it must
//! never be used with a private exponent.
//!
//! Why 32-bit limbs: wasm has no 64×64→128-bit multiply, so 64-bit limbs get emulated there and
//! cost about 1.7× (see `perf-anchors.md`). A `u32 × u32 + u32 + u32` always fits in a `u64`,
//! which wasm and every native target multiply in one instruction.
//!
//! Numbers are little-endian slices of [`Limb`]s, all exactly as long as the modulus. Products
//! use a `2L`-limb scratch buffer followed by a word-by-word Montgomery reduction (REDC), so a
//! squaring can skip the duplicated cross products (≈ 25% fewer multiplies). The hot loops
//! (REDC, squaring rows) handle two rows per pass over the buffer, and the one-row loop is
//! unrolled by hand: the release profile optimises for size and does not unroll, and in wasm
//! loop overhead and memory traffic are a large share of each limb product.
//!
//! # Measured alternatives that lost
//! 2048-bit modulus, `e = 65537`, V8 in Node 20, CPU time, each side by side with this code
//! (≈ 66 µs per `pow_public`, ≈ 58% of an end-to-end RS256 verify through the npm package):
//! * 28-bit digits with a 64-bit column accumulator (no carry chain; product scanning with
//!   interleaved reduction, Koç et al.'s FIPS): 80 µs — `(32/28)²` = 1.34× more products.
//! * 28-bit digits, row-wise with lazy carries (`t[i+j] += a[i]·b[j]` in `u64`): 74 µs; LLVM's
//!   auto-vectorisation of it with `+simd128` uses `i64x2.mul`: 79 µs.
//! * The same by hand with `core::arch::wasm32` (`u64x2_extmul_{low,high}_u32x4`, numbers kept
//!   as `v128` arrays, no `unsafe`): 106 µs.
//! * Four REDC rows per pass (four carry chains, one load/store of `t` per four products):
//!   97 µs (V8 spills the eight live 64-bit values).
//! * This module compiled at opt-level 3 (as a crate of its own) instead of the JS build's `z`:
//!   no difference end to end; its hot loops are `#[inline(always)]` helpers already.

use alloc::vec;
use alloc::vec::Vec;

/// One limb of a multi-precision number.
pub(crate) type Limb = u32;
/// Twice a [`Limb`]: holds `limb × limb + limb + limb` without overflow.
type Wide = u64;
const LIMB_BITS: u32 = Limb::BITS;
const LIMB_BYTES: usize = (LIMB_BITS / 8) as usize;

/// An odd modulus `n` with its Montgomery constants, computed once per key.
///
/// `R = 2^(32·L)` where `L` is the number of limbs of `n`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Modulus {
    /// `n`, little-endian limbs; the top limb is non-zero.
    n: Vec<Limb>,
    /// `-n⁻¹ mod 2³²`, the per-word reduction factor of REDC.
    n0: Limb,
    /// `R² mod n`: multiplying by it (Montgomery-style) moves a number into Montgomery form.
    rr: Vec<Limb>,
}

impl Modulus {
    /// Prepares `n` (little-endian limbs). `None` if `n` is even, 0 or 1, or has a zero top limb
    /// (callers strip leading zeros first, so the limb count is the modulus' true size).
    pub(crate) fn new(n: Vec<Limb>) -> Option<Modulus> {
        let low = *n.first()?;
        // n = 1 is odd but useless (everything is 0) and breaks `2^(b-1) < n` below.
        if low & 1 == 0 || *n.last()? == 0 || n == [1] {
            return None;
        }
        let mut m = Modulus { n0: neg_inverse(low), rr: vec![0; n.len()], n };
        m.rr = m.compute_rr()?;
        Some(m)
    }

    /// Number of limbs of the modulus.
    pub(crate) fn limbs(&self) -> usize {
        self.n.len()
    }

    /// The modulus' little-endian limbs.
    pub(crate) fn n(&self) -> &[Limb] {
        &self.n
    }

    /// `R² mod n = 2^(64·L) mod n`, by schoolbook reduction one limb at a time.
    ///
    /// Works on `N = n·2^s`, shifted so its top bit is set (Knuth's normalisation), because
    /// `2^s·x mod N = 2^s·(x mod n)`: starting from `2^(32L−1) < N`, a few doublings and then
    /// limb steps (`X ← X·2³² mod N`, [`shift_limb_mod`]) reach `2^(64L+s) mod N`, and shifting
    /// back by `s` bits gives the answer. About `L²` single multiplies, half a Montgomery
    /// product, where doublings plus squarings cost several.
    fn compute_rr(&self) -> Option<Vec<Limb>> {
        let l = self.n.len();
        let s = self.n.last()?.leading_zeros();
        let big_n = shl_bits(&self.n, s);
        let mut x = vec![0; l];
        *x.last_mut()? = 1 << (LIMB_BITS - 1);
        // Exponent so far 32L − 1; wanted 64L + s.
        let remaining = LIMB_BITS as usize * l + s as usize + 1;
        for _ in 0..remaining % LIMB_BITS as usize {
            double_mod(&mut x, &big_n);
        }
        for _ in 0..remaining / LIMB_BITS as usize {
            shift_limb_mod(&mut x, &big_n)?;
        }
        Some(shr_bits(&x, s))
    }

    /// `base^e mod n` for a public `e ≥ 1`, by left-to-right square-and-multiply over `e`'s
    /// actual bits: for `e = 65537` that is 16 squarings and 1 multiplication, plus one
    /// product each to enter and leave Montgomery form.
    ///
    /// `base` must be `< n` and as long as `n`; the result is fully reduced (`< n`). `e = 0`
    /// gives `1`.
    pub(crate) fn pow_public(&self, base: &[Limb], e: u64) -> Vec<Limb> {
        let l = self.n.len();
        let mut scratch = Scratch::new(l);
        let mut out = vec![0; l];
        if e == 0 {
            // x⁰ = 1, and 1 < n because `new` refuses n = 1.
            if let Some(first) = out.first_mut() {
                *first = 1;
            }
            return out;
        }
        // a = base·R mod n (Montgomery form of the base).
        let mut a = vec![0; l];
        self.mul(&mut a, base, &self.rr, &mut scratch);
        let mut x = a.clone();
        let mut y = vec![0; l];
        let top = 63 - e.leading_zeros();
        for bit in (0..top).rev() {
            self.sqr(&mut y, &x, &mut scratch);
            if (e >> bit) & 1 == 1 {
                self.mul(&mut x, &y, &a, &mut scratch);
            } else {
                core::mem::swap(&mut x, &mut y);
            }
        }
        // Leave Montgomery form: REDC(x) = x·R⁻¹ mod n.
        scratch.t.fill(0);
        for (t, v) in scratch.t.iter_mut().zip(&x) {
            *t = *v;
        }
        self.redc(&mut out, &mut scratch.t);
        out
    }

    /// `out = a·b·R⁻¹ mod n` for `a, b < n`.
    pub(crate) fn mul(&self, out: &mut [Limb], a: &[Limb], b: &[Limb], scratch: &mut Scratch) {
        let l = self.n.len();
        let t = &mut scratch.t;
        t.fill(0);
        for (i, &bi) in b.iter().enumerate() {
            // Row i adds a·b[i] at limb offset i; t[i+L] is still zero, so it takes the carry.
            let Some((last, row)) = t.get_mut(i..=i + l).and_then(|w| w.split_last_mut()) else {
                return;
            };
            *last = mac_row(row, a, bi);
        }
        self.redc(out, t);
    }

    /// `out = a²·R⁻¹ mod n` for `a < n`: each cross product `a[i]·a[j]` (`i < j`) is computed
    /// once and doubled, then the squares `a[i]²` are added on the diagonal.
    pub(crate) fn sqr(&self, out: &mut [Limb], a: &[Limb], scratch: &mut Scratch) {
        let l = self.n.len();
        let t = &mut scratch.t;
        t.fill(0);
        // Cross products a[i]·a[j], j > i, two rows per pass while a row pair has ≥ 2 limbs.
        let mut i = 0;
        while i + 3 <= l {
            let (Some(&ai), Some(src)) = (a.get(i), a.get(i + 1..)) else { return };
            if t.get_mut(2 * i + 1..=i + l + 1).and_then(|w| sqr_pair(w, ai, src)).is_none() {
                return;
            }
            i += 2;
        }
        for (i, &ai) in a.iter().enumerate().skip(i) {
            let (Some(rest), Some((last, row))) =
                (a.get(i + 1..), t.get_mut(2 * i + 1..=i + l).and_then(|w| w.split_last_mut()))
            else {
                return;
            };
            *last = mac_row(row, rest, ai);
        }
        // Double the cross products (the top bit of a 2L-limb a² never overflows: a < R).
        let mut carry = 0;
        for w in t.iter_mut() {
            let next = *w >> (LIMB_BITS - 1);
            *w = (*w << 1) | carry;
            carry = next;
        }
        // Add the diagonal squares.
        let mut carry: Wide = 0;
        for (pair, &ai) in t.chunks_exact_mut(2).zip(a) {
            let sq = Wide::from(ai) * Wide::from(ai);
            if let [lo, hi] = pair {
                let x = Wide::from(*lo) + (sq & Wide::from(Limb::MAX)) + carry;
                *lo = x as Limb;
                let y = Wide::from(*hi) + (sq >> LIMB_BITS) + (x >> LIMB_BITS);
                *hi = y as Limb;
                carry = y >> LIMB_BITS;
            }
        }
        self.redc(out, t);
    }

    /// Montgomery reduction: `out = t·R⁻¹ mod n` for `t < n·R` (2L limbs, clobbered).
    ///
    /// Each step adds the multiple of `n` that zeroes limb `i`; after L steps the low half is
    /// zero and the high half (plus one carry bit) is `< 2n`, so one conditional subtraction
    /// finishes. Steps go two at a time ([`redc_pair`]) to halve the passes over `t`.
    fn redc(&self, out: &mut [Limb], t: &mut [Limb]) {
        let l = self.n.len();
        let mut hi: Limb = 0;
        let mut i = 0;
        while i + 1 < l {
            let Some(h) = t.get_mut(i..i + l + 2).and_then(|w| redc_pair(w, &self.n, self.n0, hi))
            else {
                return;
            };
            hi = h;
            i += 2;
        }
        if i < l {
            // Odd limb count: one last single step.
            let Some((last, row)) = t.get_mut(i..=i + l).and_then(|w| w.split_last_mut()) else {
                return;
            };
            let Some(&low) = row.first() else { return };
            let m = low.wrapping_mul(self.n0);
            let c = mac_row(row, &self.n, m);
            let s = Wide::from(*last) + Wide::from(c) + Wide::from(hi);
            *last = s as Limb;
            hi = (s >> LIMB_BITS) as Limb;
        }
        let Some(upper) = t.get(l..) else { return };
        if hi != 0 || !less_than(upper, &self.n) {
            sub_into(out, upper, &self.n);
        } else {
            for (o, u) in out.iter_mut().zip(upper) {
                *o = *u;
            }
        }
    }
}

/// Two REDC steps in one pass: `win` is `t[i..i+L+2]`, `hi` the carry pending at `t[i+L]`;
/// returns the carry pending at `t[i+L+2]` (0 or 1), or `None` if `L < 2` or `win` is short.
///
/// `m0` zeroes `t[i]`; `m1` must zero `t[i+1]` *after* `m0·n` was added, so the first two limbs
/// of row 0 are done up front, then one loop adds `m0·n[j]` and `m1·n[j−1]` at position
/// `i+j` with a carry per row. Every partial sum stays below 2⁶⁴: `(2³²−1) + (2³²−1)² +
/// (2³²−1)`.
#[inline(always)]
fn redc_pair(win: &mut [Limb], n: &[Limb], n0: Limb, hi: Limb) -> Option<Limb> {
    const LOW: Wide = Limb::MAX as Wide;
    let l = n.len();
    let (&n_0, &n_1, &n_top) = (n.first()?, n.get(1)?, n.last()?);
    let (w0, rest) = win.split_first_mut()?;
    let (w1, rest) = rest.split_first_mut()?;
    let m0 = Wide::from(w0.wrapping_mul(n0));
    let mut c0 = (Wide::from(*w0) + m0 * Wide::from(n_0)) >> LIMB_BITS;
    let x1 = Wide::from(*w1) + m0 * Wide::from(n_1) + c0;
    c0 = x1 >> LIMB_BITS;
    let u1 = x1 & LOW;
    let m1 = Wide::from((u1 as Limb).wrapping_mul(n0));
    let mut c1 = (u1 + m1 * Wide::from(n_0)) >> LIMB_BITS;
    // t[i] and t[i+1] are now zero; nothing reads them again, so they are not stored.
    let (body, top) = rest.split_at_mut_checked(l - 2)?;
    (c0, c1) = mac2(body, n.get(1..)?, m0, m1, c0, c1);
    let [t_l, t_l1] = top else { return None };
    let x = Wide::from(*t_l) + c0 + Wide::from(hi);
    let y = (x & LOW) + m1 * Wide::from(n_top) + c1;
    *t_l = y as Limb;
    let s = Wide::from(*t_l1) + (x >> LIMB_BITS) + (y >> LIMB_BITS);
    *t_l1 = s as Limb;
    Some((s >> LIMB_BITS) as Limb)
}

/// `body[k] += m0·src[k+1] + m1·src[k]` for every `k`, one carry chain per row; returns the
/// two carries. The two-row inner loop of [`redc_pair`] and [`sqr_pair`]: one load and one
/// store of `body` per two products.
#[inline(always)]
fn mac2(body: &mut [Limb], src: &[Limb], m0: Wide, m1: Wide, c0: Wide, c1: Wide) -> (Wide, Wide) {
    const LOW: Wide = Limb::MAX as Wide;
    let (mut c0, mut c1) = (c0, c1);
    for (t, pair) in body.iter_mut().zip(src.windows(2)) {
        if let [lo, hi] = pair {
            // Each sum ≤ (2³²−1) + (2³²−1)² + (2³²−1) = 2⁶⁴−1.
            let x = Wide::from(*t) + m0 * Wide::from(*hi) + c0;
            c0 = x >> LIMB_BITS;
            let y = (x & LOW) + m1 * Wide::from(*lo) + c1;
            c1 = y >> LIMB_BITS;
            *t = y as Limb;
        }
    }
    (c0, c1)
}

/// Cross products of two squaring rows in one pass: `win` is `t[2i+1..=i+L+1]` and `src` is
/// `a[i+1..]` (at least 2 limbs); adds `a[i]·a[j]` (j > i) and `a[i+1]·a[j]` (j > i+1) at
/// limb `i+j`. Limbs `t[i+L]` and `t[i+L+1]` are still zero when this runs.
///
/// Row `i+1` starts two positions later in `win` than row `i`, so position `k` gets
/// `a[i]·src[k] + a[i+1]·src[k−1]` — the same shape as the REDC pair.
#[inline(always)]
fn sqr_pair(win: &mut [Limb], ai: Limb, src: &[Limb]) -> Option<()> {
    const LOW: Wide = Limb::MAX as Wide;
    let r = src.len();
    let (m0, m1) = (Wide::from(ai), Wide::from(*src.first()?));
    let (w0, rest) = win.split_first_mut()?;
    let (w1, rest) = rest.split_first_mut()?;
    let x = Wide::from(*w0) + m0 * m1;
    *w0 = x as Limb;
    let x = Wide::from(*w1) + m0 * Wide::from(*src.get(1)?) + (x >> LIMB_BITS);
    *w1 = x as Limb;
    let (body, top) = rest.split_at_mut_checked(r.checked_sub(2)?)?;
    let (c0, c1) = mac2(body, src.get(1..)?, m0, m1, x >> LIMB_BITS, 0);
    let [t_r, t_r1] = top else { return None };
    let x = Wide::from(*t_r) + c0;
    let y = (x & LOW) + m1 * Wide::from(*src.last()?) + c1;
    *t_r = y as Limb;
    // Cannot exceed one limb: the cross products so far are < 2^(32·(i+L+2)).
    *t_r1 = ((x >> LIMB_BITS) + (y >> LIMB_BITS)) as Limb;
    Some(())
}

/// Reusable product buffer (2L limbs) so an exponentiation allocates once.
pub(crate) struct Scratch {
    t: Vec<Limb>,
}

impl Scratch {
    /// A buffer for an `l`-limb modulus.
    pub(crate) fn new(l: usize) -> Scratch {
        Scratch { t: vec![0; 2 * l] }
    }
}

/// `row += src·m` over equal-length slices; returns the carry out of the top limb.
///
/// Unrolled by four by hand: the project's size-leaning `opt-level` does not unroll, and in
/// wasm the per-limb loop overhead (index, compare, branch) is a large share of this loop.
#[inline(always)]
fn mac_row(row: &mut [Limb], src: &[Limb], m: Limb) -> Limb {
    let m = Wide::from(m);
    let mut carry: Wide = 0;
    // (2³²−1)² + 2·(2³²−1) = 2⁶⁴−1: `r + s·m + carry` never overflows a Wide.
    let mut step = |r: &mut Limb, s: Limb| {
        let x = Wide::from(*r) + Wide::from(s) * m + carry;
        *r = x as Limb;
        carry = x >> LIMB_BITS;
    };
    let mut rows = row.chunks_exact_mut(4);
    let mut srcs = src.chunks_exact(4);
    for (r, s) in (&mut rows).zip(&mut srcs) {
        if let ([r0, r1, r2, r3], [s0, s1, s2, s3]) = (r, s) {
            step(r0, *s0);
            step(r1, *s1);
            step(r2, *s2);
            step(r3, *s3);
        }
    }
    for (r, &s) in rows.into_remainder().iter_mut().zip(srcs.remainder()) {
        step(r, s);
    }
    carry as Limb
}

/// `-x⁻¹ mod 2³²` for odd `x`, by Newton iteration: `x·x ≡ 1 (mod 8)` for odd `x`, and each
/// step `y ← y·(2 − x·y)` doubles the number of correct low bits (3 → 6 → 12 → 24 → 48).
fn neg_inverse(x: Limb) -> Limb {
    let mut y = x;
    for _ in 0..4 {
        y = y.wrapping_mul(2u32.wrapping_sub(x.wrapping_mul(y)));
    }
    y.wrapping_neg()
}

/// `a < b` for equal-length little-endian numbers.
pub(crate) fn less_than(a: &[Limb], b: &[Limb]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

/// `out = a − b mod 2^(32·L)` (the borrow out is dropped: callers know `a ≥ b` up to a carry
/// bit they hold separately).
fn sub_into(out: &mut [Limb], a: &[Limb], b: &[Limb]) {
    let mut borrow = false;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(Limb::from(borrow));
        *o = d;
        borrow = b1 || b2;
    }
}

/// `x = 2x mod n` for `x < n`.
fn double_mod(x: &mut [Limb], n: &[Limb]) {
    let mut carry = 0;
    for w in x.iter_mut() {
        let next = *w >> (LIMB_BITS - 1);
        *w = (*w << 1) | carry;
        carry = next;
    }
    if carry != 0 || !less_than(x, n) {
        let mut borrow = false;
        for (w, &y) in x.iter_mut().zip(n) {
            let (d, b1) = w.overflowing_sub(y);
            let (d, b2) = d.overflowing_sub(Limb::from(borrow));
            *w = d;
            borrow = b1 || b2;
        }
    }
}

/// `x = x·2³² mod n` for `x < n`, `n` normalised (top bit set): one step of schoolbook
/// division (Knuth, TAOCP 4.3.1 Algorithm D). The quotient estimate from the top two limbs of
/// `x·2³²` and the top limb of `n` is never too small and at most 2 too large, so at most two
/// add-backs fix it. `None` only if the slices are inconsistent.
fn shift_limb_mod(x: &mut [Limb], n: &[Limb]) -> Option<()> {
    let n_top = Wide::from(*n.last()?);
    let x_top = Wide::from(*x.last()?);
    let x_next = Wide::from(x.len().checked_sub(2).and_then(|i| x.get(i)).copied().unwrap_or(0));
    let q = ((x_top << LIMB_BITS | x_next) / n_top).min(Wide::from(Limb::MAX));
    // y = x·2³² − q·n, limb by limb: y's limbs are (0, x[0], …, x[L−2]) and the top x[L−1].
    let mut carry: Wide = 0;
    let mut borrow = false;
    let mut prev: Limb = 0;
    for (xi, &ni) in x.iter_mut().zip(n) {
        let shifted_in = prev;
        prev = *xi;
        let p = q * Wide::from(ni) + carry;
        carry = p >> LIMB_BITS;
        let (d, b1) = shifted_in.overflowing_sub(p as Limb);
        let (d, b2) = d.overflowing_sub(Limb::from(borrow));
        *xi = d;
        borrow = b1 || b2;
    }
    // The top limb of y as a signed value: x[L−1] − carry − borrow, in (−2³³, 2³²).
    let mut top = i64::from(prev) - carry as i64 - i64::from(borrow);
    // Knuth: at most two add-backs. Bounded anyway, so no input can make this loop long.
    for _ in 0..2 {
        if top >= 0 {
            break;
        }
        let mut c = false;
        for (xi, &ni) in x.iter_mut().zip(n) {
            let (s1, c1) = xi.overflowing_add(ni);
            let (s2, c2) = s1.overflowing_add(Limb::from(c));
            *xi = s2;
            c = c1 || c2;
        }
        top += i64::from(c);
    }
    (top == 0).then_some(())
}

/// `x << s` for `s < 32`, dropping bits shifted out of the top limb (callers shift a modulus
/// by its top limb's leading zeros, so nothing is lost).
fn shl_bits(x: &[Limb], s: u32) -> Vec<Limb> {
    let mut out = Vec::with_capacity(x.len());
    let mut carry: Limb = 0;
    for &w in x {
        out.push(w.checked_shl(s).unwrap_or(0) | carry);
        carry = w.checked_shr(LIMB_BITS - s).unwrap_or(0);
    }
    out
}

/// `x >> s` for `s < 32`.
fn shr_bits(x: &[Limb], s: u32) -> Vec<Limb> {
    let mut out = vec![0; x.len()];
    let mut carry: Limb = 0;
    for (o, &w) in out.iter_mut().zip(x).rev() {
        *o = w.checked_shr(s).unwrap_or(0) | carry;
        carry = w.checked_shl(LIMB_BITS - s).unwrap_or(0);
    }
    out
}

/// Big-endian bytes → exactly `l` little-endian limbs. `None` if the value needs more.
pub(crate) fn limbs_from_be(bytes: &[u8], l: usize) -> Option<Vec<Limb>> {
    let mut out = vec![0; l];
    let mut limbs = out.iter_mut();
    for chunk in bytes.rchunks(LIMB_BYTES) {
        let mut v: Limb = 0;
        for &b in chunk {
            v = (v << 8) | Limb::from(b);
        }
        match limbs.next() {
            Some(slot) => *slot = v,
            None if v == 0 => {}
            None => return None,
        }
    }
    Some(out)
}

/// Little-endian limbs → exactly `k` big-endian bytes (`None` if the value does not fit).
pub(crate) fn be_from_limbs(limbs: &[Limb], k: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; k];
    let mut bytes = out.iter_mut().rev();
    for &limb in limbs {
        for i in 0..LIMB_BYTES {
            let b = (limb >> (8 * i)) as u8;
            match bytes.next() {
                Some(slot) => *slot = b,
                None if b == 0 => {}
                None => return None,
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rsa::BigUint;

    fn big(limbs: &[Limb]) -> BigUint {
        let mut bytes = Vec::new();
        for l in limbs {
            bytes.extend_from_slice(&l.to_le_bytes());
        }
        BigUint::from_bytes_le(&bytes)
    }

    /// An odd modulus with a non-zero top limb from arbitrary limbs.
    fn modulus(mut n: Vec<Limb>) -> Modulus {
        if let Some(f) = n.first_mut() {
            *f |= 1;
        }
        if let Some(t) = n.last_mut() {
            *t |= 1 << 31 >> (*t % 32);
        }
        Modulus::new(n).unwrap()
    }

    fn reduce(x: &[Limb], m: &Modulus) -> Vec<Limb> {
        let r = big(x) % big(m.n());
        limbs_from_be(&r.to_bytes_be(), m.limbs()).unwrap()
    }

    #[test]
    fn neg_inverse_is_exact() {
        for x in [1u32, 3, 5, 0xffff_ffff, 0x8000_0001, 0x1234_5679] {
            assert_eq!(x.wrapping_mul(neg_inverse(x)), u32::MAX, "{x:#x}");
        }
    }

    #[test]
    fn rejects_even_zero_and_unnormalised() {
        assert!(Modulus::new(vec![]).is_none());
        assert!(Modulus::new(vec![4, 1]).is_none());
        assert!(Modulus::new(vec![5, 0]).is_none());
        assert!(Modulus::new(vec![1]).is_none());
    }

    #[test]
    fn one_limb_modulus_works() {
        let m = Modulus::new(vec![13]).unwrap();
        // 2^12 mod 13 = 1 (Fermat), 5^3 mod 13 = 8.
        assert_eq!(m.pow_public(&[2], 12), vec![1]);
        assert_eq!(m.pow_public(&[5], 3), vec![8]);
        assert_eq!(m.pow_public(&[5], 0), vec![1]);
    }

    #[test]
    fn byte_conversions_round_trip_and_reject_overflow() {
        assert_eq!(limbs_from_be(&[1, 2, 3, 4, 5], 2).unwrap(), vec![0x0203_0405, 1]);
        assert_eq!(limbs_from_be(&[0, 0, 0, 0, 0, 7], 1).unwrap(), vec![7]);
        assert!(limbs_from_be(&[1, 0, 0, 0, 0], 1).is_none());
        assert_eq!(be_from_limbs(&[0x0203_0405, 1], 5).unwrap(), vec![1, 2, 3, 4, 5]);
        assert!(be_from_limbs(&[0x0203_0405, 1], 4).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn rr_is_r_squared_mod_n(n in proptest::collection::vec(any::<u32>(), 1..20)) {
            let m = modulus(n);
            let r2 = BigUint::from(1u8) << (64 * m.limbs());
            prop_assert_eq!(big(&m.rr), r2 % big(m.n()));
        }

        #[test]
        fn sqr_equals_mul(
            n in proptest::collection::vec(any::<u32>(), 1..40),
            a in proptest::collection::vec(any::<u32>(), 40),
        ) {
            let m = modulus(n);
            let a = reduce(&a[..m.limbs()], &m);
            let mut s = Scratch::new(m.limbs());
            let (mut x, mut y) = (vec![0; m.limbs()], vec![0; m.limbs()]);
            m.sqr(&mut x, &a, &mut s);
            m.mul(&mut y, &a, &a, &mut s);
            prop_assert_eq!(x, y);
        }

        #[test]
        fn pow_public_matches_num_bigint(
            n in proptest::collection::vec(any::<u32>(), 1..80),
            base in proptest::collection::vec(any::<u32>(), 80),
            e in any::<u64>(),
        ) {
            let m = modulus(n);
            let base = reduce(&base[..m.limbs()], &m);
            let expect = big(&base).modpow(&BigUint::from(e), &big(m.n()));
            prop_assert_eq!(big(&m.pow_public(&base, e)), expect);
        }

        #[test]
        fn pow_public_edge_bases(n in proptest::collection::vec(any::<u32>(), 1..70)) {
            let m = modulus(n);
            let nn = big(m.n());
            // 0, 1, n−1 and n−2 with e = 65537 and e = 3.
            let one = BigUint::from(1u8);
            for b in [BigUint::from(0u8), one.clone(), &nn - &one, &nn - &one - &one] {
                let limbs = limbs_from_be(&b.to_bytes_be(), m.limbs()).unwrap();
                for e in [3u64, 65537] {
                    let expect = b.modpow(&BigUint::from(e), &nn);
                    prop_assert_eq!(big(&m.pow_public(&limbs, e)), expect);
                }
            }
        }
    }
}
