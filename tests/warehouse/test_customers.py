"""dim_customers: consistent with the facts, and its orders belong to the right people."""

from __future__ import annotations

import pytest

from tests.warehouse.conftest import Warehouse

pytestmark = pytest.mark.slow


def test_lifetime_orders_are_the_attributed_orders(warehouse: Warehouse) -> None:
    with warehouse.build() as con:
        dim, attributed, customers, orphans = con.execute(
            """select
                (select sum(lifetime_orders) from marts.dim_customers),
                (select count(*) from marts.fct_orders where customer_key is not null),
                (select count(*) from marts.dim_customers),
                (select count(*) from marts.fct_orders o
                 where customer_key is not null
                   and customer_key not in (select customer_key from marts.dim_customers))"""
        ).fetchone()
    assert customers > 1000
    assert dim == attributed
    assert orphans == 0


def _attribution(con, warehouse: Warehouse) -> None:
    """Each attributed order with its true buyer, and the person the customer key stands for
    (the person most of the key's identifiers belong to in the truth)."""
    con.execute(
        f"""create temp table key_person as
        select r.customer_key, mode(t.person) as person
        from intermediate.int_identifiers_resolved r
        join read_parquet('{warehouse.truth_file("identifiers.parquet")}') t
          on r.identifier_id = t.identifier_type || ':' || t.identifier_value
        where r.customer_key is not null and t.identifier_type <> 'cookie'
        group by r.customer_key"""
    )
    con.execute(
        f"""create temp table true_buyers as
        select name as order_id, person, channel, true as identified
        from read_parquet('{warehouse.truth_file("orders/*.parquet")}') where not test
        union all
        select number, person, 'store', card or ereceipt
        from read_parquet('{warehouse.truth_file("receipts/*.parquet")}')"""
    )


def test_orders_are_attributed_to_their_buyer(warehouse: Warehouse) -> None:
    with warehouse.build() as con:
        _attribution(con, warehouse)
        right, wrong = con.execute(
            """select count(*) filter (where k.person = b.person),
                      count(*) filter (where k.person <> b.person)
            from marts.fct_orders o
            join true_buyers b on b.order_id = o.order_id
            join key_person k on k.customer_key = o.customer_key"""
        ).fetchone()
    assert right > 500
    assert wrong <= 0.01 * (right + wrong), (right, wrong)


def test_identified_orders_are_attributed(warehouse: Warehouse) -> None:
    # online orders always carry an e-mail; a store receipt is identified by its card or
    # e-receipt address. Only a household's shared address without a phone stays anonymous.
    with warehouse.build() as con:
        _attribution(con, warehouse)
        rows = con.execute(
            """select b.channel = 'store' as store, count(*), count(o.customer_key)
            from true_buyers b left join marts.fct_orders o on o.order_id = b.order_id
            where b.identified group by 1 order by 1"""
        ).fetchall()
    for store, orders, attributed in rows:
        assert orders > 200, (store, orders)
        assert attributed >= 0.95 * orders, (store, orders, attributed)
