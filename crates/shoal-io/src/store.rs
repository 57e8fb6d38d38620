//! [`StoreRef`]: the store a location reads and writes, rebuilt in a forked child.
//!
//! An S3 client holds a pool of HTTP connections whose sockets and driver tasks belong to
//! the process (and runtime) that opened them; a child of `fork()` that reused them would
//! share sockets with its parent or wait forever on tasks that no longer run. So a location
//! keeps how its store was made, and the first use in a new fork generation (see
//! `shoal_runtime::ForkSafe`) builds a fresh client. Local and in-memory stores hold no
//! connections and are kept as they are. An S3 client's requests all run on the I/O
//! runtime (`on_io.rs`), so its connections never belong to a caller's runtime.

use std::fmt;
use std::sync::Arc;

use object_store::ObjectStore;
use shoal_runtime::ForkSafe;

use crate::error::Result;
use crate::on_io::OnIoRuntime;
use crate::options::StorageOptions;
use crate::s3;
use crate::scheduler::{IoScheduler, SchedulerConfig};
use crate::sim::{SimulatedStore, Simulation};

/// How a store is made.
enum Recipe {
    /// A store kept as it is (local disk, memory, or one the caller built), scheduled with
    /// the given settings.
    Fixed(Arc<dyn ObjectStore>, SchedulerConfig),
    /// An S3 bucket's client.
    S3 {
        uri: String,
        bucket: String,
        options: StorageOptions,
    },
    /// A simulation around another store.
    Simulated {
        inner: StoreRef,
        simulation: Simulation,
    },
}

struct Shared {
    recipe: Recipe,
    built: ForkSafe<Built>,
}

/// A store as built for one process, with its I/O scheduler.
struct Built {
    store: Arc<dyn ObjectStore>,
    scheduler: Arc<IoScheduler>,
}

/// A store, shared by every location resolved from it, rebuilt after `fork()` when it holds
/// connections.
#[derive(Clone)]
pub struct StoreRef(Arc<Shared>);

impl fmt::Debug for StoreRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreRef({})", self.get())
    }
}

impl StoreRef {
    /// A store used as it is, in every process, scheduled as an object store.
    pub fn fixed(store: Arc<dyn ObjectStore>) -> Self {
        Self::fixed_with(store, SchedulerConfig::object_store())
    }

    /// A store used as it is, in every process, scheduled with `config`.
    pub fn fixed_with(store: Arc<dyn ObjectStore>, config: SchedulerConfig) -> Self {
        Self::from_recipe(Recipe::Fixed(store, config))
    }

    /// The client of an S3 bucket, checked (built once) now.
    pub(crate) fn s3(uri: &str, bucket: &str, options: &StorageOptions) -> Result<Self> {
        let store = Self::from_recipe(Recipe::S3 {
            uri: uri.to_string(),
            bucket: bucket.to_string(),
            options: options.clone(),
        });
        store.try_get()?;
        Ok(store)
    }

    /// `simulation` around `inner`.
    pub(crate) fn simulated(inner: StoreRef, simulation: Simulation) -> Self {
        Self::from_recipe(Recipe::Simulated { inner, simulation })
    }

    fn from_recipe(recipe: Recipe) -> Self {
        StoreRef(Arc::new(Shared {
            recipe,
            built: ForkSafe::new(),
        }))
    }

    /// The store for this process.
    pub fn get(&self) -> Arc<dyn ObjectStore> {
        self.built().store.clone()
    }

    /// The I/O scheduler of this store in this process.
    pub fn scheduler(&self) -> Arc<IoScheduler> {
        self.built().scheduler.clone()
    }

    fn built(&self) -> Arc<Built> {
        // Building can only fail for S3, whose settings were checked when this was made;
        // the environment of a forked child is its parent's.
        self.try_get()
            .unwrap_or_else(|e| panic!("rebuilding a store that was valid before: {e}"))
    }

    fn try_get(&self) -> Result<Arc<Built>> {
        self.0.built.get_or_try_init(|| {
            let (store, config) = match &self.0.recipe {
                Recipe::Fixed(store, config) => (store.clone(), config.clone()),
                Recipe::S3 {
                    uri,
                    bucket,
                    options,
                } => (
                    Arc::new(OnIoRuntime::new(s3::bucket_store(uri, bucket, options)?))
                        as Arc<dyn ObjectStore>,
                    SchedulerConfig::object_store(),
                ),
                Recipe::Simulated { inner, simulation } => {
                    // A simulated store stands for a remote one; its own cap, if any, is
                    // the concurrency the scheduler allows.
                    let mut config = SchedulerConfig::object_store();
                    if let Some(cap) = simulation.config().concurrency {
                        config.concurrency = cap;
                    }
                    let store = SimulatedStore::with_simulation(inner.get(), simulation.clone());
                    (Arc::new(store) as Arc<dyn ObjectStore>, config)
                }
            };
            Ok(Built {
                store,
                scheduler: Arc::new(IoScheduler::new(config)),
            })
        })
    }
}
