select 1 from shop.customers; drop database shop
