-- Coupon use: orders without a coupon grouped under '(none)', nullable discounts counted and
-- maxed, orders without items kept by the LEFT JOIN.
select coalesce(o.coupon_code, '(none)') as coupon,
  count(distinct o.id) as orders,
  sum(case when oi.discount is null then 0 else 1 end) as discounted_lines,
  max(oi.discount) as max_discount
from shop.orders o
left join shop.order_items oi on oi.order_id = o.id
group by coalesce(o.coupon_code, '(none)')
order by coupon
