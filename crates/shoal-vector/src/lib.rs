//! Shoal's vector math, with no I/O: distance kernels, top-k selection, k-means, product
//! quantization and the IVF-PQ model (training, encoding, search helpers, serialization).
//!
//! All distances are "smaller is nearer"; see [`Metric`].

mod adc;
mod distance;
mod error;
mod ivf_pq;
mod kmeans;
mod metric;
mod nearest;
mod pq;
mod progress;
mod sample;
mod topk;

pub use adc::adc_distances;
pub use distance::{distance, distances, distances_many, normalize};
pub use error::{Result, VectorError};
pub use ivf_pq::{IvfPqModel, IvfPqParams, PartitionTable};
pub use kmeans::{assign, train_kmeans, KMeansParams, DEFAULT_SEED};
pub use metric::Metric;
pub use pq::{ProductQuantizer, CODEBOOK_SIZE};
pub use progress::{Progress, ProgressFn};
pub use topk::TopK;
