delete from shop.customers where id = 1
