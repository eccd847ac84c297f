select * from shop.customer
