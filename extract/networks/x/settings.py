"""Constants of the X API v2 as this project uses it."""

DEFAULT_BASE_URL = "https://api.x.com"
HANDLE_PATTERN = r"[A-Za-z0-9_]{1,15}"

USER_FIELDS = (
    "created_at",
    "description",
    "entities",
    "location",
    "pinned_tweet_id",
    "profile_image_url",
    "protected",
    "public_metrics",
    "url",
    "verified",
    "verified_type",
)
TWEET_FIELDS = (
    "attachments",
    "author_id",
    "conversation_id",
    "created_at",
    "entities",
    "geo",
    "in_reply_to_user_id",
    "lang",
    "possibly_sensitive",
    "public_metrics",
    "referenced_tweets",
    "reply_settings",
    "source",
)
FOLLOWERS_PAGE_SIZE = 1000  # the maximum
POSTS_PAGE_SIZE = 100  # the maximum
REACHABLE_POSTS = 3200  # a user timeline serves only the newest 3200 posts
