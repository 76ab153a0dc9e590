{{
    config(
        unique_key="post_key",
        indexes=[{"columns": ["post_key"], "unique": True}, {"columns": ["loaded_at"]}],
    )
}}

with

posts as (
    select * from {{ ref("int_posts_enriched") }}
    {% if is_incremental() %}
        where {{ loaded_since_last_build() }}
    {% endif %}
),

final as (
    select
        post_key,
        author_key,
        network,
        post_id,
        posted_at,
        post_text,
        language,
        is_reply,
        like_count,
        repost_count,
        reply_count,
        quote_count,
        interaction_count,
        author_followers_count,
        engagement_rate,
        hashtags,
        mentions,
        urls,
        loaded_at
    from posts
)

select * from final
