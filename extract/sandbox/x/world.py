"""A deterministic X world computed from a seed, never materialised.

Every user, follow edge and post is a pure function of (seed, clock). A follower list is a
sequence of *follow ordinals* (0 = the oldest follow) mapped onto a universe of users by an
affine bijection, so a page of a 10M-follower list costs as much as a page of a 100-follower
list. The clock moves in hourly ticks; each tick adds followers (new ordinals), removes some
(the only per-edge state kept: the set of unfollowed ordinals), adds posts and edits profiles.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from extract.sandbox.x import words

MASK64 = (1 << 64) - 1
WORLD_EPOCH_S = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())  # world clock zero
TWITTER_EPOCH_MS = 1288834974657  # snowflake epoch
TICK_S = 3600
DAY_S = 86400
DEMO_ID_BASE = 1_230_000_000
UNIVERSE_ID_BASE = 10**12
ORDINAL_MULTIPLIER = 0x9E3779B1  # odd: a bijection modulo any power of two


def mix(*parts: int) -> int:
    """SplitMix64-style hash of integers: cheap, deterministic, well spread."""
    h = 0x9E3779B97F4A7C15
    for part in parts:
        h = ((h ^ (part & MASK64)) * 0xBF58476D1CE4E5B9) & MASK64
        h ^= h >> 31
        h = (h * 0x94D049BB133111EB) & MASK64
        h ^= h >> 29
    return h


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 42
    followers: int = 25_000  # follower count of the largest demo account at clock zero
    posts: int = 300  # posts of the largest demo account at clock zero
    time_scale: float = 0.0  # world seconds per real second (0: moves only when advanced)


@dataclass(frozen=True)
class DemoAccount:
    handle: str
    name: str
    followers: int
    posts: int
    following: int
    posts_per_day: float
    suspended: bool = False


def demo_accounts(config: WorldConfig) -> tuple[DemoAccount, ...]:
    return (
        DemoAccount("sandbox_news", "Sandbox Newsroom 📰", config.followers, config.posts, 180, 6),
        DemoAccount("quiet_mapmaker", "Quiet Cartographer", 1_500, 120, 95, 3),
        DemoAccount("pg_tinkerer", "Postgres Tinkerer 🐘", 240, 40, 310, 1),
        DemoAccount("brand_new_acct", "Brand New", 0, 0, 0, 0),
        DemoAccount("suspended_acct", "Suspended", 10, 5, 3, 0, suspended=True),
    )


class User(NamedTuple):  # a NamedTuple: built 1000 times per page, so construction is hot
    """Identity and growth parameters of one user; everything else is derived."""

    user_id: int
    key: int  # per-user hash seed
    username: str
    name: str
    base_followers: int
    base_posts: int
    following: int
    posts_per_day: float
    gain_per_day: float
    unfollow_per_day: float
    created_at_s: int
    protected: bool = False
    suspended: bool = False
    is_demo: bool = False

    @property
    def index_bits(self) -> int:
        """10 bits that make this user's snowflake post ids unique."""
        return self.key & 0x3FF


class Post(NamedTuple):
    author: User
    seq: int  # 0 = the author's first post
    post_id: int
    created_ms: int
    reply_to: int | None  # post id this replies to (same author: a thread)

    @property
    def text_key(self) -> int:
        """Seed of the post's text; a multiple of 4 carries a link."""
        return mix(self.author.key, self.seq, 0x7E47)

    @property
    def has_link(self) -> bool:
        return self.text_key % 4 == 0

    @property
    def mentions_other(self) -> bool:
        return self.reply_to is None and self.text_key % 3 == 0


@dataclass
class FollowerLedger:
    """Unfollowed ordinals of one user, extended tick by tick as the clock moves."""

    ticks_done: int = 0
    removed: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class FollowerPage:
    ordinals: list[int]
    next_before: int | None  # exclusive upper bound of the next (older) page
    previous_after: int | None  # exclusive lower bound of the previous (newer) page


class World:
    def __init__(self, config: WorldConfig) -> None:
        self.config = config
        self.demo = [self._demo_user(i, spec) for i, spec in enumerate(demo_accounts(config))]
        self._by_handle = {user.username.lower(): user for user in self.demo}
        self._by_id = {user.user_id: user for user in self.demo}
        largest = max(config.followers, 1)
        self.universe_bits = max(20, (4 * largest - 1).bit_length())
        self._advanced_s = 0
        self._started = time.monotonic()
        self._ledgers: dict[int, FollowerLedger] = {}
        self._lock = threading.Lock()

    # -- clock ---------------------------------------------------------------------------

    def clock_s(self) -> int:
        """World seconds since WORLD_EPOCH_S."""
        scaled = (time.monotonic() - self._started) * self.config.time_scale
        return self._advanced_s + int(scaled)

    def now_s(self) -> int:
        return WORLD_EPOCH_S + self.clock_s()

    def advance(self, seconds: int) -> int:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._advanced_s += seconds
        return self.now_s()

    # -- users ---------------------------------------------------------------------------

    def _demo_user(self, index: int, spec: DemoAccount) -> User:
        key = mix(self.config.seed, 0xDE40, index)
        return User(
            user_id=DEMO_ID_BASE + index * 7_919,
            key=key,
            username=spec.handle,
            name=spec.name,
            base_followers=spec.followers,
            base_posts=spec.posts,
            following=spec.following,
            posts_per_day=spec.posts_per_day,
            gain_per_day=max(spec.followers * 0.005, 3.0) if spec.followers else 0.0,
            unfollow_per_day=spec.followers * 0.01,
            created_at_s=WORLD_EPOCH_S - (900 + index * 211) * DAY_S - key % DAY_S,
            suspended=spec.suspended,
            is_demo=True,
        )

    def universe_user(self, index: int) -> User:
        key = mix(self.config.seed, 0x5EED, index)
        word = words.HANDLE_WORDS[key % len(words.HANDLE_WORDS)]
        handle = f"{word.capitalize() if key & 1 << 20 else word}_{index:x}"  # <= 15 chars
        first = words.FIRST_NAMES[(key >> 8) % len(words.FIRST_NAMES)]
        last = words.LAST_NAMES[(key >> 16) % len(words.LAST_NAMES)]
        emoji = f" {words.EMOJI[(key >> 24) % len(words.EMOJI)]}" if key % 9 == 0 else ""
        return User(
            user_id=UNIVERSE_ID_BASE + index,
            key=key,
            username=handle,
            name=f"{first} {last}{emoji}",
            base_followers=(key >> 32) % 300,
            base_posts=(key >> 40) % 40,
            following=(key >> 48) % 500 + 1,
            posts_per_day=0.0,
            gain_per_day=0.0,
            unfollow_per_day=0.0,
            created_at_s=WORLD_EPOCH_S - 30 * DAY_S - (key >> 12) % (12 * 365 * DAY_S),
            protected=key % 97 == 0,
        )

    def user_by_id(self, user_id: int) -> User | None:
        if user_id in self._by_id:
            return self._by_id[user_id]
        index = user_id - UNIVERSE_ID_BASE
        if 0 <= index < 1 << self.universe_bits:
            return self.universe_user(index)
        return None

    def user_by_username(self, username: str) -> User | None:
        lowered = username.lower()
        if lowered in self._by_handle:
            return self._by_handle[lowered]
        _, _, suffix = lowered.rpartition("_")
        try:
            index = int(suffix, 16)
        except ValueError:
            return None
        if not 0 <= index < 1 << self.universe_bits:
            return None
        user = self.universe_user(index)
        return user if user.username.lower() == lowered else None

    def profile_version(self, user: User, clock_s: int | None = None) -> int:
        """Changes when the user edits their profile: demo accounts daily, others monthly."""
        days = (self.clock_s() if clock_s is None else clock_s) // DAY_S
        return days if user.is_demo else (days + user.key % 30) // 30

    # -- follows -------------------------------------------------------------------------

    def _ordinals_to_user_ids(self, owner: User, ordinals: list[int], salt: int) -> list[int]:
        size_mask = (1 << self.universe_bits) - 1
        offset = mix(owner.key, salt) & size_mask
        return [
            UNIVERSE_ID_BASE + ((o * ORDINAL_MULTIPLIER + offset) & size_mask) for o in ordinals
        ]

    def follower_ids(self, owner: User, ordinals: list[int]) -> list[int]:
        return self._ordinals_to_user_ids(owner, ordinals, 0xF011)

    def following_ids(self, owner: User, ordinals: list[int]) -> list[int]:
        return self._ordinals_to_user_ids(owner, ordinals, 0xF022)

    def _follow_span(self, user: User, ticks: int) -> int:
        """How many follow ordinals exist after `ticks` ticks (followers ever gained)."""
        gained = int(ticks * user.gain_per_day / 24)
        return min(user.base_followers + gained, 1 << self.universe_bits)

    def _ledger(self, user: User) -> tuple[int, set[int]]:
        """(ordinal span, unfollowed ordinals) of `user` at the current clock."""
        ticks = self.clock_s() // TICK_S
        if user.unfollow_per_day == 0:
            return self._follow_span(user, ticks), set()
        with self._lock:
            ledger = self._ledgers.setdefault(user.user_id, FollowerLedger())
            per_tick = user.unfollow_per_day / 24
            for tick in range(ledger.ticks_done, ticks):
                count = int((tick + 1) * per_tick) - int(tick * per_tick)
                span = self._follow_span(user, tick)
                rng = random.Random(mix(self.config.seed, user.key, tick))
                for _ in range(count):
                    ledger.removed.add(rng.randrange(span))
            ledger.ticks_done = max(ledger.ticks_done, ticks)
            return self._follow_span(user, ticks), ledger.removed

    def followers_count(self, user: User) -> int:
        span, removed = self._ledger(user)
        return span - len(removed)

    def follower_page(
        self, user: User, max_results: int, before: int | None, after: int | None
    ) -> FollowerPage:
        """Followers newest first: below `before` (older), or just above `after` (newer)."""
        span, removed = self._ledger(user)
        if after is not None:
            found: list[int] = []
            ordinal = after + 1
            while ordinal < span and len(found) < max_results:
                if ordinal not in removed:
                    found.append(ordinal)
                ordinal += 1
            found.reverse()
        else:
            found = []
            ordinal = (span if before is None else min(before, span)) - 1
            while ordinal >= 0 and len(found) < max_results:
                if ordinal not in removed:
                    found.append(ordinal)
                ordinal -= 1
        if not found:
            return FollowerPage([], None, None)
        oldest, newest = found[-1], found[0]
        has_older = any(o not in removed for o in range(oldest - 1, -1, -1))
        has_newer = any(o not in removed for o in range(newest + 1, span))
        return FollowerPage(found, oldest if has_older else None, newest if has_newer else None)

    # -- posts ---------------------------------------------------------------------------

    def _post_ms(self, user: User, seq: int) -> int:
        base = user.base_posts
        epoch_ms = WORLD_EPOCH_S * 1000
        if seq < base:
            spacing = max(3_600_000, 365 * DAY_S * 1000 // max(base, 1))
            jitter = mix(user.key, seq) % (spacing // 2)
            return epoch_ms - (base - seq) * spacing + jitter
        spacing = int(DAY_S * 1000 / user.posts_per_day)
        jitter = mix(user.key, seq) % (spacing // 2)
        return epoch_ms + (seq - base + 1) * spacing - spacing // 2 + jitter

    def post_count(self, user: User) -> int:
        count = user.base_posts
        if user.posts_per_day > 0:
            now_ms = self.now_s() * 1000
            count += int(self.clock_s() * user.posts_per_day / DAY_S) + 1
            while count > user.base_posts and self._post_ms(user, count - 1) > now_ms:
                count -= 1
        return count

    def post(self, user: User, seq: int) -> Post:
        created_ms = self._post_ms(user, seq)
        post_id = ((created_ms - TWITTER_EPOCH_MS) << 22) | (user.index_bits << 12) | (seq & 0xFFF)
        is_reply = seq > 0 and mix(user.key, seq, 7) % 7 == 0
        reply_to = self.post(user, seq - 1).post_id if is_reply else None
        return Post(user, seq, post_id, created_ms, reply_to)

    def post_seq_after(self, user: User, post_id: int, count: int) -> int:
        """Smallest seq whose post id is greater than `post_id` (ids grow with seq)."""
        low, high = 0, count
        while low < high:
            middle = (low + high) // 2
            if self.post(user, middle).post_id > post_id:
                high = middle
            else:
                low = middle + 1
        return low

    def post_seq_at_or_after_ms(self, user: User, ms: int, count: int) -> int:
        low, high = 0, count
        while low < high:
            middle = (low + high) // 2
            if self._post_ms(user, middle) >= ms:
                high = middle
            else:
                low = middle + 1
        return low

    def pinned_post(self, user: User) -> Post | None:
        """Demo accounts pin a post from before the clock started."""
        if not user.is_demo or not user.base_posts:
            return None
        candidates = (self.post(user, seq) for seq in range(user.base_posts // 2, user.base_posts))
        plain_link = (
            p for p in candidates if p.has_link and not p.mentions_other and p.reply_to is None
        )
        return next(plain_link, None)

    def conversation_root(self, post: Post) -> Post:
        while post.reply_to is not None:
            post = self.post(post.author, post.seq - 1)
        return post
