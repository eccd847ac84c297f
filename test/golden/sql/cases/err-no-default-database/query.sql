-- An unqualified table without a default database.
select id from customers
