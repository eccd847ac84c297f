-- A quoted identifier carrying SQL: it is a (missing) column name, nothing more.
select `id``; drop table x; --` from shop.customers
