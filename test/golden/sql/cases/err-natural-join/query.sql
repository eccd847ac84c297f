-- NATURAL JOIN: the parser does not read it; refused as unsupported, with the way around.
select o.id from shop.orders o natural join shop.order_items
