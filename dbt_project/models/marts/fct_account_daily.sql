{#- Per account and UTC day: followers at the end of the day, gained, lost, posts, engagement.
    An incremental run recomputes only the changed accounts, from their earliest changed day,
    starting from the follower count this table already holds for the day before. -#}
{{
    config(
        unique_key="account_day_key",
        indexes=[
            {"columns": ["account_day_key"], "unique": True},
            {"columns": ["account_key", "activity_date"]},
            {"columns": ["loaded_at"]},
        ],
    )
}}

with

activity as (
    select * from {{ ref("int_account_activity_daily") }}
),

changed_accounts as (
    select
        account_key,
        min(activity_date) as from_date
    from activity
    {% if is_incremental() %}
        where {{ loaded_since_last_build() }}
    {% endif %}
    group by account_key
),

opening as (
    select
        changed_accounts.account_key,
        changed_accounts.from_date,
        {% if is_incremental() %}
            coalesce((
                select previous_day.followers_count
                from {{ this }} as previous_day
                where
                    previous_day.account_key = changed_accounts.account_key
                    and previous_day.activity_date < changed_accounts.from_date
                order by previous_day.activity_date desc
                limit 1
            ), 0)
        {% else %}
            0::bigint
        {% endif %} as followers_before
    from changed_accounts
),

recomputed as (
    select
        activity.*,
        opening.followers_before
    from activity
    inner join opening
        on
            activity.account_key = opening.account_key
            and activity.activity_date >= opening.from_date
),

final as (
    select
        {{ surrogate_key(["account_key", "activity_date"]) }} as account_day_key,
        account_key,
        network,
        activity_date,
        (followers_before + sum(followers_gained - followers_lost) over (
            partition by account_key order by activity_date
            rows between unbounded preceding and current row
        ))::bigint as followers_count,
        followers_gained,
        followers_lost,
        posts,
        interactions,
        avg_engagement_rate,
        loaded_at
    from recomputed
)

select * from final
