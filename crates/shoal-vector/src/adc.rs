//! Asymmetric distance computation: the approximate distance of a query to each encoded
//! vector, summed from a table of partial distances per sub-space and code word.

use crate::pq::CODEBOOK_SIZE;

/// Independent partial sums per code: sub-space `j` adds into sum `j % CHAINS`, so the
/// additions of one code form short dependency chains instead of one long one.
const CHAINS: usize = 4;

/// Adds the partial sums, in a fixed order.
#[inline(always)]
fn combine(sums: [f32; CHAINS]) -> f32 {
    (sums[0] + sums[1]) + (sums[2] + sums[3])
}

/// Approximate distances of encoded vectors: `out[i] = sum over j of
/// table[j * 256 + codes[i * m + j]]`, where `m = sub_vectors` and `table` comes from
/// [`ProductQuantizer::distance_table`](crate::ProductQuantizer::distance_table) or
/// [`IvfPqModel::partition_table`](crate::IvfPqModel::partition_table). `out` is cleared,
/// then receives one distance per code, in order.
///
/// # Panics
/// If `sub_vectors` is 0, `table.len() != sub_vectors * 256`, or `codes` is not a whole
/// number of codes.
pub fn adc_distances(table: &[f32], sub_vectors: usize, codes: &[u8], out: &mut Vec<f32>) {
    let m = sub_vectors;
    assert!(m > 0, "sub_vectors must be at least 1");
    assert_eq!(
        table.len(),
        m * CODEBOOK_SIZE,
        "table must hold sub_vectors x 256 values"
    );
    assert!(
        codes.len() % m == 0,
        "codes are not whole codes of {m} bytes"
    );
    out.clear();
    out.resize(codes.len() / m, 0.0);
    // Common code sizes get a fully unrolled loop; the second parameter is m x 256.
    match m {
        4 => adc_fixed::<4, 1024>(table, codes, out),
        8 => adc_fixed::<8, 2048>(table, codes, out),
        12 => adc_fixed::<12, 3072>(table, codes, out),
        16 => adc_fixed::<16, 4096>(table, codes, out),
        24 => adc_fixed::<24, 6144>(table, codes, out),
        32 => adc_fixed::<32, 8192>(table, codes, out),
        48 => adc_fixed::<48, 12288>(table, codes, out),
        64 => adc_fixed::<64, 16384>(table, codes, out),
        _ => {
            let tables: Vec<&[f32; CODEBOOK_SIZE]> = table
                .chunks_exact(CODEBOOK_SIZE)
                .map(|t| t.try_into().expect("chunks have CODEBOOK_SIZE values"))
                .collect();
            for (o, code) in out.iter_mut().zip(codes.chunks_exact(m)) {
                let mut sums = [0.0f32; CHAINS];
                for (j, (&c, t)) in code.iter().zip(&tables).enumerate() {
                    sums[j % CHAINS] += t[usize::from(c)];
                }
                *o = combine(sums);
            }
        }
    }
}

/// [`adc_distances`] for codes of `M` bytes and tables of `T = M x 256` values. Adds in
/// the same order as the general loop, so both give identical results. Both sizes are
/// known at compile time, so the loop unrolls fully and no lookup is bounds checked.
fn adc_fixed<const M: usize, const T: usize>(table: &[f32], codes: &[u8], out: &mut [f32]) {
    debug_assert_eq!(T, M * CODEBOOK_SIZE);
    let table: &[f32; T] = table.try_into().expect("the table has M x 256 values");
    for (o, code) in out.iter_mut().zip(codes.chunks_exact(M)) {
        let mut sums = [0.0f32; CHAINS];
        for (j, &c) in code.iter().enumerate() {
            sums[j % CHAINS] += table[j * CODEBOOK_SIZE + usize::from(c)];
        }
        *o = combine(sums);
    }
}
