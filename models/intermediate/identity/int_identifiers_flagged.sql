-- Identifiers that must not link records: blocked values (placeholders, test accounts) and
-- shared ones (more neighbours of a type than one person has: a family tablet's cookie, a
-- household's address, the stores' own address typed for many customers).
with

links as (

    select * from {{ ref('int_identity_links_unioned') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_unioned') }}

),

blocklist as (

    select * from {{ ref('identity_blocklist') }}

),

caps as (

    select * from {{ ref('identity_cardinality_caps') }}

),

blocked as (

    select
        identifiers.identifier_id,
        min('blocked: ' || blocklist.reason) as reason
    from identifiers
    inner join blocklist
        on
            identifiers.identifier_type = blocklist.identifier_type
            and identifiers.identifier_value like blocklist.value_pattern
    group by identifiers.identifier_id

),

neighbours as (

    select
        identifier_id_a as identifier_id,
        type_a as identifier_type,
        type_b as neighbour_type,
        identifier_id_b as neighbour_id
    from links
    union all
    select
        identifier_id_b,
        type_b,
        type_a,
        identifier_id_a
    from links

),

degrees as (

    select
        identifier_id,
        identifier_type,
        neighbour_type,
        count(distinct neighbour_id) as neighbour_count
    from neighbours
    group by identifier_id, identifier_type, neighbour_type

),

shared as (

    select
        degrees.identifier_id,
        min(
            'shared: ' || caps.reason || ' ('
            || cast(degrees.neighbour_count as {{ dbt.type_string() }}) || ' '
            || degrees.neighbour_type || ')'
        ) as reason
    from degrees
    inner join caps
        on
            degrees.identifier_type = caps.identifier_type
            and degrees.neighbour_type = caps.neighbour_type
            and degrees.neighbour_count > caps.max_neighbours
    group by degrees.identifier_id

)

select
    coalesce(blocked.identifier_id, shared.identifier_id) as identifier_id,
    blocked.identifier_id is not null as is_blocked,
    shared.identifier_id is not null as is_shared,
    coalesce(blocked.reason, shared.reason) as flag_reason
from blocked
full outer join shared on blocked.identifier_id = shared.identifier_id
