with

source as (
    select * from {{ source('x', 'posts') }}
),

renamed as (
    select
        network,
        external_id as post_id,
        author_id,
        created_at as posted_at,
        payload ->> 'text' as post_text,
        payload ->> 'lang' as language,
        payload ->> 'conversation_id' as conversation_id,
        payload ->> 'in_reply_to_user_id' as in_reply_to_user_id,
        coalesce((payload -> 'public_metrics' ->> 'like_count')::bigint, 0) as like_count,
        coalesce((payload -> 'public_metrics' ->> 'retweet_count')::bigint, 0) as repost_count,
        coalesce((payload -> 'public_metrics' ->> 'reply_count')::bigint, 0) as reply_count,
        coalesce((payload -> 'public_metrics' ->> 'quote_count')::bigint, 0) as quote_count,
        coalesce(payload -> 'entities' -> 'hashtags', '[]'::jsonb) as hashtag_entities,
        coalesce(payload -> 'entities' -> 'mentions', '[]'::jsonb) as mention_entities,
        coalesce(payload -> 'entities' -> 'urls', '[]'::jsonb) as url_entities,
        changed_at,
        first_seen_at,
        loaded_at
    from source
)

select * from renamed
