with

source as (
    select * from {{ source('x', 'users') }}
),

renamed as (
    select
        network,
        external_id as user_id,
        username,
        payload ->> 'name' as display_name,
        payload ->> 'description' as description,
        payload ->> 'location' as location,
        payload ->> 'url' as profile_url,
        (payload ->> 'created_at')::timestamptz as created_at,
        coalesce((payload ->> 'protected')::boolean, false) as is_protected,
        coalesce((payload ->> 'verified')::boolean, false) as is_verified,
        (payload -> 'public_metrics' ->> 'followers_count')::bigint as followers_count,
        (payload -> 'public_metrics' ->> 'following_count')::bigint as following_count,
        (payload -> 'public_metrics' ->> 'tweet_count')::bigint as post_count,
        (payload -> 'public_metrics' ->> 'listed_count')::bigint as listed_count,
        changed_at,
        first_seen_at,
        loaded_at
    from source
)

select * from renamed
