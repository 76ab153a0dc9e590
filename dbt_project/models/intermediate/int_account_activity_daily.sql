{#- Per account and UTC day: follows gained and lost, posts and their interactions. -#}
with

events as (
    select * from {{ ref("int_follower_events") }}
),

posts as (
    select * from {{ ref("int_posts_enriched") }}
),

daily_follows as (
    select
        account_key,
        network,
        (event_at at time zone 'UTC')::date as activity_date,
        count(*) filter (where event_type = 'follow') as followers_gained,
        count(*) filter (where event_type = 'unfollow') as followers_lost,
        max(loaded_at) as loaded_at
    from events
    group by account_key, network, activity_date
),

daily_posts as (
    select
        author_key as account_key,
        network,
        (posted_at at time zone 'UTC')::date as activity_date,
        count(*) as posts,
        sum(interaction_count)::bigint as interactions,
        round(avg(engagement_rate), 6) as avg_engagement_rate,
        max(loaded_at) as loaded_at
    from posts
    group by account_key, network, activity_date
),

final as (
    select
        coalesce(daily_follows.account_key, daily_posts.account_key) as account_key,
        coalesce(daily_follows.network, daily_posts.network) as network,
        coalesce(daily_follows.activity_date, daily_posts.activity_date) as activity_date,
        coalesce(daily_follows.followers_gained, 0) as followers_gained,
        coalesce(daily_follows.followers_lost, 0) as followers_lost,
        coalesce(daily_posts.posts, 0) as posts,
        coalesce(daily_posts.interactions, 0) as interactions,
        daily_posts.avg_engagement_rate,
        greatest(daily_follows.loaded_at, daily_posts.loaded_at) as loaded_at
    from daily_follows
    full outer join daily_posts
        on
            daily_follows.account_key = daily_posts.account_key
            and daily_follows.activity_date = daily_posts.activity_date
)

select * from final
