{#- Posts of every network with what analysts derive from them. Engagement is interactions
    over the author's follower count as last fetched: the raw layer keeps no follower-count
    history, and the marts must be reproducible by a full refresh (the accounts snapshot has
    the history for analyses). -#}
with

{% for network in var("networks") %}
    {{ network }}_posts as (
        select * from {{ ref("stg_" ~ network ~ "__posts") }}
    ),
{% endfor %}

accounts as (
    select * from {{ ref("int_accounts_unioned") }}
),

unioned as (
    {% for network in var("networks") %}
        select
            network,
            post_id,
            author_id,
            posted_at,
            post_text,
            language,
            conversation_id,
            in_reply_to_user_id,
            like_count,
            repost_count,
            reply_count,
            quote_count,
            hashtag_entities,
            mention_entities,
            url_entities,
            loaded_at
        from {{ network }}_posts
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

enriched as (
    select
        {{ surrogate_key(["unioned.network", "unioned.post_id"]) }} as post_key,
        {{ surrogate_key(["unioned.network", "unioned.author_id"]) }} as author_key,
        unioned.network,
        unioned.post_id,
        unioned.author_id,
        unioned.posted_at,
        unioned.post_text,
        unioned.language,
        unioned.in_reply_to_user_id is not null as is_reply,
        unioned.like_count,
        unioned.repost_count,
        unioned.reply_count,
        unioned.quote_count,
        unioned.like_count + unioned.repost_count + unioned.reply_count + unioned.quote_count
            as interaction_count,
        accounts.followers_count as author_followers_count,
        array(
            select lower(tag ->> 'tag')
            from jsonb_array_elements(unioned.hashtag_entities) as tag
            order by 1
        ) as hashtags,
        array(
            select lower(mention ->> 'username')
            from jsonb_array_elements(unioned.mention_entities) as mention
            order by 1
        ) as mentions,
        array(
            select link ->> 'expanded_url'
            from jsonb_array_elements(unioned.url_entities) as link
            order by 1
        ) as urls,
        greatest(unioned.loaded_at, accounts.loaded_at) as loaded_at
    from unioned
    left join accounts
        on
            unioned.network = accounts.network
            and unioned.author_id = accounts.account_id
),

final as (
    select
        *,
        round(
            interaction_count::numeric / nullif(author_followers_count, 0), 6
        ) as engagement_rate
    from enriched
)

select * from final
