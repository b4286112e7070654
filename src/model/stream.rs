//! Random streams (MODEL.md section 3): the run key and the per-community,
//! per-year ChaCha8 stream every draw of the model comes from.
//!
//! ChaCha is a pseudo-random function of (key, stream, position), so a
//! community's numbers in a year depend only on the run key, the
//! community's index and the year's index: never on the thread that runs it,
//! on other communities, or on how many numbers earlier years consumed.

use chacha20::rand_core::Rng as _;
use rand::{RngCore, SeedableRng};

/// A ChaCha8 stream: the model's only source of randomness. RustCrypto's
/// `chacha20` core behind rand 0.9's traits: the same words at the same
/// positions as `rand_chacha::ChaCha8Rng` (tested below), but positioning
/// it only sets the block counter, while rand_chacha's `set_word_pos`
/// refills its 4-block buffer at once; each community-year positions a
/// stream afresh.
pub struct Stream(chacha20::ChaCha8Rng);

impl Stream {
    /// Sets the ChaCha stream (nonce) and goes back to word 0.
    #[inline]
    pub fn set_stream(&mut self, stream: u64) {
        self.0.set_stream(stream);
    }

    /// Goes to word `word_pos` of the current stream.
    #[inline]
    pub fn set_word_pos(&mut self, word_pos: u128) {
        self.0.set_word_pos(word_pos);
    }

    /// The word the next draw starts at.
    #[inline]
    pub fn get_word_pos(&self) -> u128 {
        self.0.get_word_pos()
    }
}

impl Clone for Stream {
    /// The same key, stream and position: the same words from here on.
    fn clone(&self) -> Stream {
        let mut copy = Stream::from_seed(self.0.get_seed());
        copy.set_stream(self.0.get_stream());
        copy.set_word_pos(self.0.get_word_pos());
        copy
    }
}

impl PartialEq for Stream {
    fn eq(&self, other: &Stream) -> bool {
        self.0 == other.0
    }
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key: a stream prints its position only.
        f.debug_struct("Stream")
            .field("stream", &self.0.get_stream())
            .field("word_pos", &self.0.get_word_pos())
            .finish()
    }
}

impl RngCore for Stream {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    #[inline]
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }
}

impl SeedableRng for Stream {
    type Seed = [u8; 32];

    #[inline]
    fn from_seed(seed: [u8; 32]) -> Stream {
        Stream(chacha20::rand_core::SeedableRng::from_seed(seed))
    }
}

/// Words (u32) of the stream reserved for one year of one community: 2^44.
///
/// Year `y` (0 for the start year) starts at word `y · BLOCK`. A year uses
/// two words per uniform or normal draw and a handful per Poisson, binomial
/// or beta draw; a normal year uses a few hundred. 2^44 (1.8·10^13) words
/// cover even a pathological year: a thousand seats, each offered a
/// thousand candidates, each drawing four values whose truncated normals
/// need the 10^6 expected rejections that validation allows (mass ≥ 1e-6)
/// is about 8·10^12 words. The ChaCha counter addresses 2^68 words per
/// stream, so 2^24 years fit. Running past the block would read the next
/// year's numbers, so every year checks that it did not (a panic, never a
/// silent correlation).
pub const BLOCK: u128 = 1 << 44;

/// The domain tag that ends every key, so that these streams can never
/// coincide with ChaCha8 keys built for another purpose from the same
/// integers.
const DOMAIN_TAG: [u8; 8] = *b"SUCCESS1";

/// The domain tag of a run's shock stream (MODEL.md section 7.2): keyed
/// like the communities' streams, so it follows the seed, the replicate and
/// (with independent seeds) the point, but never coincides with them.
const SHOCK_TAG: [u8; 8] = *b"SHOCKS01";

/// The domain tag of the streams of issue totals per block of communities
/// (MODEL.md section 3.1).
const ISSUE_TAG: [u8; 8] = *b"TOTALS01";

/// The key of one run's random streams (MODEL.md section 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamKey(pub [u8; 32]);

impl StreamKey {
    /// The key for (scenario seed, replicate), plus the point when
    /// `seeds = "independent"` (`point = None` for common random numbers).
    ///
    /// The 32 bytes are, in order: `seed` as u64 little-endian, `replicate`
    /// as u64 little-endian, the point as u64 little-endian (`u64::MAX` for
    /// `None`, which no point index reaches), and the tag `b"SUCCESS1"`.
    /// No hashing is needed: ChaCha is a PRF, so distinct keys give
    /// unrelated streams however similar the keys are.
    pub fn new(seed: u64, replicate: u32, point: Option<u32>) -> Self {
        let point = point.map_or(u64::MAX, u64::from);
        let mut bytes = [0u8; 32];
        bytes[0..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..16].copy_from_slice(&u64::from(replicate).to_le_bytes());
        bytes[16..24].copy_from_slice(&point.to_le_bytes());
        bytes[24..32].copy_from_slice(&DOMAIN_TAG);
        StreamKey(bytes)
    }

    /// The key as 64 hex digits, for the manifest.
    pub fn to_hex(&self) -> String {
        use std::fmt::Write;
        self.0
            .iter()
            .fold(String::with_capacity(64), |mut hex, byte| {
                let _ = write!(hex, "{byte:02x}");
                hex
            })
    }
}

/// The generator for community `community_index` in year index
/// `year_index` (0 for the start year): the run key, the community index as
/// the ChaCha stream, positioned at word `year_index · BLOCK`.
pub fn community_rng(key: &StreamKey, community_index: u64, year_index: usize) -> Stream {
    let mut rng = Stream::from_seed(key.0);
    rng.set_stream(community_index);
    rng.set_word_pos(year_index as u128 * BLOCK);
    rng
}

/// The generator of a run's national supply shocks (MODEL.md section 7.2):
/// the run key with the shock domain tag in place of the communities' tag,
/// stream 0, from its start. The shock path is drawn from it year by year.
pub fn shock_rng(key: &StreamKey) -> Stream {
    let mut bytes = key.0;
    bytes[24..32].copy_from_slice(&SHOCK_TAG);
    Stream::from_seed(bytes)
}

/// The generator of the issue totals of block `block` (the communities
/// `block · CHUNK ..` of the run, [`super::CHUNK`] of them) in year index
/// `year_index` (MODEL.md section 3.1): the run key with the issue domain
/// tag, the block as the ChaCha stream, positioned at word
/// `year_index · BLOCK`. The block size is part of the stream contract: a
/// different size would group the same means into other totals.
pub fn issue_block_rng(key: &StreamKey, block: u64, year_index: usize) -> Stream {
    let mut bytes = key.0;
    bytes[24..32].copy_from_slice(&ISSUE_TAG);
    let mut rng = Stream::from_seed(bytes);
    rng.set_stream(block);
    rng.set_word_pos(year_index as u128 * BLOCK);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn key_layout_is_seed_replicate_point_tag() {
        let key = StreamKey::new(1, 2, None);
        let mut expected = [0u8; 32];
        expected[0] = 1;
        expected[8] = 2;
        expected[16..24].copy_from_slice(&[0xff; 8]);
        expected[24..32].copy_from_slice(b"SUCCESS1");
        assert_eq!(key.0, expected);
        assert_eq!(
            key.to_hex(),
            concat!(
                "0100000000000000",
                "0200000000000000",
                "ffffffffffffffff",
                "5355434345535331"
            )
        );
        assert_ne!(StreamKey::new(1, 2, Some(0)), key);
    }

    #[test]
    fn years_do_not_shift_each_other() {
        let key = StreamKey::new(7, 0, None);
        let mut year0 = community_rng(&key, 3, 0);
        // Consuming any amount of year 0 leaves year 1 where it was.
        for _ in 0..1000 {
            year0.next_u64();
        }
        let a = community_rng(&key, 3, 1).next_u64();
        let b = community_rng(&key, 3, 1).next_u64();
        assert_eq!(a, b);
        assert_ne!(a, community_rng(&key, 4, 1).next_u64());
        assert_ne!(a, community_rng(&key, 3, 2).next_u64());
    }

    #[test]
    fn streams_give_rand_chachas_words_at_the_same_positions() {
        // The engine's bytes were fixed with rand_chacha's ChaCha8Rng: the
        // same key, stream and word position must give the same words, read
        // as u32 or u64 from an even or an odd word, across the 4-block
        // buffer's ends, and after a clone.
        let key = StreamKey::new(7, 3, Some(2));
        for (stream, word_pos) in [
            (0_u64, 0_u128),
            (3, BLOCK),
            (1023, 5 * BLOCK + 17),
            (u64::MAX, 111 * BLOCK + 63),
        ] {
            let mut ours = Stream::from_seed(key.0);
            ours.set_stream(stream);
            ours.set_word_pos(word_pos);
            let mut theirs = rand_chacha::ChaCha8Rng::from_seed(key.0);
            theirs.set_stream(stream);
            theirs.set_word_pos(word_pos);
            for i in 0..300 {
                if i % 3 == 0 {
                    assert_eq!(ours.next_u32(), theirs.next_u32(), "u32 {i} at {word_pos}");
                } else {
                    assert_eq!(ours.next_u64(), theirs.next_u64(), "u64 {i} at {word_pos}");
                }
                assert_eq!(ours.get_word_pos(), theirs.get_word_pos());
            }
            let mut copy = ours.clone();
            assert_eq!(copy, ours);
            let next = theirs.next_u64();
            assert_eq!(copy.next_u64(), next);
            assert_eq!(ours.next_u64(), next);
        }
    }
}
