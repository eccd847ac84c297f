-- TPC-H Q6: forecasting revenue change. The specification's `between 0.06 - 0.01 and 0.06 + 0.01`
-- is written computed: ClickHouse evaluates decimal literals as Float64 (0.06 + 0.01 = 0.0699…),
-- which would drop the 0.07 discounts MySQL keeps.
select
  sum(l_extendedprice * l_discount) as revenue
from lineitem
where l_shipdate >= date '1994-01-01'
  and l_shipdate < date '1994-01-01' + interval 1 year
  and l_discount between 0.05 and 0.07
  and l_quantity < 24
