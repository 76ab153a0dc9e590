"""JSON objects of X API v2 users and tweets, with only the fields a request asked for."""

from __future__ import annotations

import functools
import time
from typing import Any

from extract.sandbox.x import words
from extract.sandbox.x.world import DAY_S, Post, User, World, mix

# Every field name the real API accepts; the emulator renders most and accepts all.
USER_FIELDS = (
    "affiliation",
    "connection_status",
    "created_at",
    "description",
    "entities",
    "id",
    "is_identity_verified",
    "location",
    "most_recent_tweet_id",
    "name",
    "parody",
    "pinned_tweet_id",
    "profile_banner_url",
    "profile_image_url",
    "protected",
    "public_metrics",
    "receives_your_dm",
    "subscription",
    "subscription_type",
    "url",
    "username",
    "verified",
    "verified_followers_count",
    "verified_type",
    "withheld",
)
TWEET_FIELDS = (
    "article",
    "attachments",
    "author_id",
    "card_uri",
    "community_id",
    "context_annotations",
    "conversation_id",
    "created_at",
    "display_text_range",
    "edit_controls",
    "edit_history_tweet_ids",
    "entities",
    "geo",
    "id",
    "in_reply_to_user_id",
    "lang",
    "media_metadata",
    "non_public_metrics",
    "note_tweet",
    "organic_metrics",
    "possibly_sensitive",
    "promoted_metrics",
    "public_metrics",
    "referenced_tweets",
    "reply_settings",
    "scopes",
    "source",
    "text",
    "withheld",
)
DEFAULT_USER_FIELDS = ("id", "name", "username")
DEFAULT_TWEET_FIELDS = ("id", "text", "edit_history_tweet_ids")


def iso_ms(epoch_ms: int) -> str:
    """X's timestamp format: milliseconds and a Z (tweepy refuses anything else)."""
    seconds, millis = divmod(epoch_ms, 1000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{millis:03d}Z"


class TextBuilder:
    """Builds text and entity offsets together (offsets count code points, as X does)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.entities: dict[str, list[dict[str, Any]]] = {}

    def add(self, text: str, kind: str | None = None, **entity: Any) -> None:
        if self.parts:
            self.parts.append(" ")
            self.length += 1
        if kind:
            self.entities.setdefault(kind, []).append(
                {"start": self.length, "end": self.length + len(text), **entity}
            )
        self.parts.append(text)
        self.length += len(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def short_url(key: int) -> str:
    return f"https://t.co/{mix(key, 0x7C0) & 0xFFFFFFFFFFFF:012x}"[:23]


def link_entity(key: int) -> dict[str, Any]:
    host, section, title, description = words.LINK_SITES[key % len(words.LINK_SITES)]
    slug = f"{section}/{key % 100_000}"
    entity: dict[str, Any] = {
        "url": short_url(key),
        "expanded_url": f"https://{host}/{slug}",
        "display_url": f"{host}/{slug}"[:26] + ("…" if len(f"{host}/{slug}") > 26 else ""),
    }
    if key % 2 == 0:  # a link card, as X unwinds articles
        entity.update(
            {
                "images": [
                    {
                        "url": f"https://images.example.org/{key % 9973}.jpg",
                        "width": 1200,
                        "height": 630,
                    },
                    {
                        "url": f"https://images.example.org/{key % 9973}_thumb.jpg",
                        "width": 150,
                        "height": 150,
                    },
                ],
                "status": 200,
                "title": title,
                "description": description,
                "unwound_url": f"https://{host}/{slug}",
            }
        )
    return entity


@functools.cache
def bio_line(index: int) -> TextBuilder:
    """A profile description with its hashtag entities (shared: never mutate the result)."""
    builder = TextBuilder()
    for token in words.BIO_LINES[index].split(" "):
        if token.startswith("#"):
            builder.add(token, "hashtags", tag=token[1:])
        else:
            builder.add(token)
    return builder


class Renderer:
    def __init__(self, world: World) -> None:
        self.world = world

    # -- users ---------------------------------------------------------------------------

    def user(self, user: User, fields: frozenset[str]) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "id": str(user.user_id),
            "name": user.name,
            "username": user.username,
        }
        if len(fields) == 3 and not user.is_demo:  # default fields: the follower-scan hot path
            return obj
        clock_s = self.world.clock_s()
        version = self.world.profile_version(user, clock_s)
        if user.is_demo:
            obj["name"] = user.name if version % 3 == 0 else f"{user.name} · day {version}"
        if "created_at" in fields:
            obj["created_at"] = iso_ms(user.created_at_s * 1000)
        if "description" in fields or "entities" in fields:
            bio = bio_line((user.key + version) % len(words.BIO_LINES))
            if "description" in fields:
                obj["description"] = bio.text
            if "entities" in fields:
                entities: dict[str, Any] = {
                    "url": {"urls": [{"start": 0, "end": 23, **link_entity(user.key)}]}
                }
                if bio.entities:
                    entities["description"] = bio.entities
                obj["entities"] = entities
        if "location" in fields:
            location = words.LOCATIONS[user.key % len(words.LOCATIONS)]
            if location:
                obj["location"] = location
        post_count = (
            self.world.post_count(user)
            if fields & {"public_metrics", "most_recent_tweet_id"}
            else 0
        )
        pinned = self.world.pinned_post(user) if "pinned_tweet_id" in fields else None
        if pinned is not None:
            obj["pinned_tweet_id"] = str(pinned.post_id)
        if "most_recent_tweet_id" in fields and post_count:
            obj["most_recent_tweet_id"] = str(self.world.post(user, post_count - 1).post_id)
        if "profile_image_url" in fields:
            obj["profile_image_url"] = (
                f"https://pbs.twimg.com/profile_images/{user.key % 10**18}/avatar_normal.jpg"
            )
        if "protected" in fields:
            obj["protected"] = user.protected
        if "public_metrics" in fields:
            obj["public_metrics"] = {
                "followers_count": self.world.followers_count(user),
                "following_count": user.following,
                "tweet_count": post_count,
                "listed_count": (user.key >> 5) % 50 + clock_s // (7 * DAY_S),
                "like_count": (user.key >> 9) % 5000,
                "media_count": post_count // 5,
            }
        if "url" in fields:
            obj["url"] = short_url(user.key)
        if "verified" in fields:
            obj["verified"] = user.is_demo and user.base_followers > 10_000
        if "verified_type" in fields:
            obj["verified_type"] = (
                "blue" if user.is_demo and user.base_followers > 10_000 else "none"
            )
        return obj

    # -- tweets --------------------------------------------------------------------------

    def text(self, post: Post) -> tuple[str, str, dict[str, list[dict[str, Any]]]]:
        key = post.text_key
        lang = words.LANGUAGES[key % len(words.LANGUAGES)]
        builder = TextBuilder()
        if post.reply_to is not None:
            builder.add(
                f"@{post.author.username}",
                "mentions",
                username=post.author.username,
                id=str(post.author.user_id),
            )
        elif post.mentions_other:  # another of the active demo accounts
            others = [user for user in self.world.demo[:3] if user != post.author]
            other = others[(key >> 4) % len(others)]
            builder.add(
                f"@{other.username}", "mentions", username=other.username, id=str(other.user_id)
            )
        openers = words.OPENERS[lang]
        builder.add(openers[(key >> 8) % len(openers)])
        builder.add(words.TOPICS[(key >> 12) % len(words.TOPICS)])
        first_tag = (key >> 16) % len(words.HASHTAGS)
        tags = [first_tag]
        if key >> 30 & 1:  # a second, different hashtag
            tags.append(
                (first_tag + 1 + (key >> 20) % (len(words.HASHTAGS) - 1)) % len(words.HASHTAGS)
            )
        for index in tags:
            tag = words.HASHTAGS[index]
            builder.add(f"#{tag}", "hashtags", tag=tag)
        if key % 3 == 0:
            builder.add(words.EMOJI[(key >> 24) % len(words.EMOJI)])
        if post.has_link:
            link = link_entity(key)
            builder.add(link["url"], "urls", **link)
        return builder.text, lang, builder.entities

    def public_metrics(self, post: Post) -> dict[str, int]:
        key = mix(post.author.key, post.seq, 0x11CE)
        popularity = post.author.base_followers // 50 + 5
        age_hours = max(0, self.world.now_s() * 1000 - post.created_ms) / 3_600_000
        likes = int((key % popularity) * min(1.0, age_hours / 72))
        return {
            "retweet_count": likes // 4,
            "reply_count": likes // 10,
            "like_count": likes,
            "quote_count": likes // 25,
            "bookmark_count": likes // 12,
            "impression_count": likes * 37 + int(age_hours) * 3,
        }

    def tweet(self, post: Post, fields: frozenset[str]) -> dict[str, Any]:
        text, lang, entities = self.text(post)
        post_id = str(post.post_id)
        obj: dict[str, Any] = {"id": post_id, "text": text, "edit_history_tweet_ids": [post_id]}
        key = mix(post.author.key, post.seq, 0xA77)
        if "attachments" in fields and key % 6 == 0:
            obj["attachments"] = {"media_keys": [f"3_{post.post_id + 1}"]}
        if "author_id" in fields:
            obj["author_id"] = str(post.author.user_id)
        if "conversation_id" in fields:
            obj["conversation_id"] = str(self.world.conversation_root(post).post_id)
        if "created_at" in fields:
            obj["created_at"] = iso_ms(post.created_ms)
        if "edit_controls" in fields:
            obj["edit_controls"] = {
                "edits_remaining": 5,
                "is_edit_eligible": post.reply_to is None,
                "editable_until": iso_ms(post.created_ms + 3_600_000),
            }
        if "entities" in fields and entities:
            obj["entities"] = entities
        if "geo" in fields and key % 10 == 0:
            obj["geo"] = {"place_id": f"{mix(key, 0x6E0) & 0xFFFFFFFFFFFFFFFF:016x}"}
        if "in_reply_to_user_id" in fields and post.reply_to is not None:
            obj["in_reply_to_user_id"] = str(post.author.user_id)
        if "lang" in fields:
            obj["lang"] = lang
        if "possibly_sensitive" in fields:
            obj["possibly_sensitive"] = False
        if "public_metrics" in fields:
            obj["public_metrics"] = self.public_metrics(post)
        if "referenced_tweets" in fields and post.reply_to is not None:
            obj["referenced_tweets"] = [{"type": "replied_to", "id": str(post.reply_to)}]
        if "reply_settings" in fields:
            obj["reply_settings"] = "everyone"
        if "source" in fields:
            obj["source"] = "Sandbox Web App"
        return obj
