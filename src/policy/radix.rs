//! A byte-keyed radix tree (edges labelled with byte strings, children sorted by first byte).
//!
//! Vault keeps its exact and prefix rules in `armon/go-radix`; we need the same two queries —
//! exact `get` and "every stored key that is a prefix of this path" (the longest one decides) —
//! in time proportional to the path length, whatever the number of rules.

use alloc::vec::Vec;
use core::mem;

#[derive(Clone, Debug)]
struct Edge<T> {
    label: Vec<u8>,
    child: Node<T>,
}

#[derive(Clone, Debug)]
struct Node<T> {
    value: Option<T>,
    edges: Vec<Edge<T>>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Node { value: None, edges: Vec::new() }
    }
}

/// Dropping a tree recurses once per level unless done by hand, and a chain of nested keys
/// (`a`, `aa`, `aaa`, …, one per policy path) is as deep as it has rules: dropped with an
/// explicit stack instead, so no policy set can overflow the stack on the way out.
impl<T> Drop for Node<T> {
    fn drop(&mut self) {
        let mut pending = mem::take(&mut self.edges);
        while let Some(mut edge) = pending.pop() {
            pending.append(&mut edge.child.edges);
        }
    }
}

impl<T> Node<T> {
    fn edge_index(&self, first: u8) -> Result<usize, usize> {
        self.edges.binary_search_by_key(&first, |e| e.label.first().copied().unwrap_or(0))
    }
}

/// The radix tree.
#[derive(Clone, Debug)]
pub struct Radix<T> {
    root: Node<T>,
    len: usize,
}

impl<T> Default for Radix<T> {
    fn default() -> Self {
        Radix { root: Node::default(), len: 0 }
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl<T> Radix<T> {
    /// An empty tree.
    #[cfg(test)]
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored keys.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// The value slot for `key`, created empty if needed.
    pub fn slot(&mut self, key: &[u8]) -> &mut Option<T> {
        let mut node = &mut self.root;
        let mut key = key;
        while let Some(&first) = key.first() {
            match node.edge_index(first) {
                Err(pos) => {
                    let edge = Edge { label: key.to_vec(), child: Node::default() };
                    node.edges.insert(pos, edge);
                    key = &[];
                    match node.edges.get_mut(pos) {
                        Some(e) => node = &mut e.child,
                        None => break,
                    }
                }
                Ok(pos) => {
                    let Some(edge) = node.edges.get_mut(pos) else { break };
                    let common = common_prefix(&edge.label, key);
                    if common < edge.label.len() {
                        let rest = edge.label.split_off(common);
                        let old = mem::take(&mut edge.child);
                        edge.child.edges.push(Edge { label: rest, child: old });
                    }
                    key = key.get(common..).unwrap_or(&[]);
                    node = &mut edge.child;
                }
            }
        }
        &mut node.value
    }

    /// Inserts or replaces the value for `key`; returns the previous one.
    pub fn insert(&mut self, key: &[u8], value: T) -> Option<T> {
        let old = self.slot(key).replace(value);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// The value stored for exactly `key`.
    pub fn get(&self, key: &[u8]) -> Option<&T> {
        let mut node = &self.root;
        let mut key = key;
        loop {
            let Some(&first) = key.first() else { return node.value.as_ref() };
            let edge = node.edges.get(node.edge_index(first).ok()?)?;
            key = key.strip_prefix(edge.label.as_slice())?;
            node = &edge.child;
        }
    }

    /// Calls `f(length, value)` for every stored key that is a prefix of `key` (including `key`
    /// itself), shortest first. One walk down the tree: O(`key.len()`).
    pub fn for_each_prefix<'a>(&'a self, key: &[u8], mut f: impl FnMut(usize, &'a T)) {
        let mut node = &self.root;
        let mut consumed = 0usize;
        let mut rest = key;
        loop {
            if let Some(v) = &node.value {
                f(consumed, v);
            }
            let Some(&first) = rest.first() else { break };
            let Some(edge) = node.edge_index(first).ok().and_then(|i| node.edges.get(i)) else {
                break;
            };
            let Some(r) = rest.strip_prefix(edge.label.as_slice()) else { break };
            consumed += edge.label.len();
            rest = r;
            node = &edge.child;
        }
    }

    /// The longest stored key that is a prefix of `key`, as `(length, value)`.
    pub fn longest_prefix<'a>(&'a self, key: &[u8]) -> Option<(usize, &'a T)> {
        let mut best = None;
        self.for_each_prefix(key, |len, v| best = Some((len, v)));
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_and_prefixes() {
        let mut r = Radix::new();
        for (i, k) in
            ["secret/", "secret/foo", "secret/fob", "s", "", "kv/data/"].iter().enumerate()
        {
            assert!(r.insert(k.as_bytes(), i).is_none());
        }
        assert_eq!(r.len(), 6);
        assert_eq!(r.get(b"secret/foo"), Some(&1));
        assert_eq!(r.get(b"secret/fo"), None);
        assert_eq!(r.get(b""), Some(&4));
        let mut p = Vec::new();
        r.for_each_prefix(b"secret/foo/bar", |l, _| p.push(l));
        assert_eq!(p, [0, 1, 7, 10]);
        assert_eq!(r.longest_prefix(b"secret/fob"), Some((10, &2)));
        assert_eq!(r.longest_prefix(b"kv/data"), Some((0, &4)));
        assert_eq!(r.insert(b"secret/foo", 9), Some(1));
    }

    /// A chain of nested keys is as deep as it is long; dropping it must not recurse.
    #[cfg(feature = "std")]
    #[test]
    fn a_deep_chain_drops_on_a_small_stack() {
        let run = ::std::thread::Builder::new().stack_size(64 * 1024).spawn(|| {
            let mut r = Radix::new();
            let key = alloc::vec![b'a'; 3_000];
            for n in 1..=key.len() {
                r.insert(&key[..n], n);
            }
            assert_eq!(r.longest_prefix(&key), Some((3_000, &3_000)));
            drop(r);
        });
        run.unwrap().join().unwrap();
    }
}
