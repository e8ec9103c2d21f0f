//! Rarely-set fields stored apart: a record's fields that are usually all empty, behind one
//! pointer that stays null while they are. A million imported records that carry only their
//! common fields then cost a pointer each for the rest, not the rest's full size. Vendors
//! declare which of a record's fields are rare; the record reads them through
//! [`Sparse::get`] (an empty slot reads as the shared empty value) and writes through
//! [`Sparse::get_mut`] (which allocates them).

/// A group of fields that is usually all empty.
pub trait Rare: Default + PartialEq + 'static {
    /// The all-empty value every empty slot reads as (one shared static per type).
    fn empty() -> &'static Self;
}

/// Declares the shared empty value of a [`Rare`] type.
#[macro_export]
macro_rules! rare {
    ($t:ty) => {
        impl $crate::platform::sparse::Rare for $t {
            fn empty() -> &'static Self {
                static EMPTY: ::std::sync::LazyLock<$t> = ::std::sync::LazyLock::new(<$t>::default);
                &EMPTY
            }
        }
    };
}

/// Fields of type `T` kept apart: nothing while they equal `T::empty()`. An empty slot and a
/// slot holding empty fields are equal.
#[derive(Debug, Clone, Default)]
pub struct Sparse<T>(Option<Box<T>>);

impl<T: Rare> Sparse<T> {
    /// Holds `v`, or nothing when `v` is empty.
    pub fn new(v: T) -> Self {
        if v == *T::empty() {
            Self(None)
        } else {
            Self(Some(Box::new(v)))
        }
    }

    pub fn get(&self) -> &T {
        match &self.0 {
            Some(v) => v,
            None => T::empty(),
        }
    }

    /// The fields to change (allocated on the first change).
    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(Default::default)
    }

    pub fn into_inner(self) -> T {
        self.0.map(|b| *b).unwrap_or_default()
    }

    /// Whether the fields take memory of their own.
    pub fn is_allocated(&self) -> bool {
        self.0.is_some()
    }
}

impl<T: Rare> PartialEq for Sparse<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, Clone)]
    struct Notes {
        text: Option<String>,
    }
    crate::rare!(Notes);

    #[test]
    fn empty_takes_nothing_and_reads_empty() {
        let s = Sparse::new(Notes::default());
        assert!(!s.is_allocated());
        assert_eq!(s.get().text, None);
        let mut t = Sparse::new(Notes {
            text: Some("a".into()),
        });
        assert!(t.is_allocated());
        assert_ne!(s, t);
        t.get_mut().text = None;
        assert_eq!(s, t, "a slot holding empty fields equals an empty slot");
        let mut u: Sparse<Notes> = Sparse::default();
        u.get_mut().text = Some("b".into());
        assert!(u.is_allocated());
        assert_eq!(u.into_inner().text.as_deref(), Some("b"));
    }
}
