-- WITH RECURSIVE is valid MySQL the compiler does not translate: the LLM fallback's case.
with recursive n as (select 1 as i union all select i + 1 from n where i < 3)
select c.id from shop.customers c join n on n.i = c.id
