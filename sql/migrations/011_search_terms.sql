-- Search text is parsed in the application (src/data/text-search.ts) into terms, and each term becomes a
-- tsquery here. Until now the whole text went through websearch_to_tsquery once per language and the two
-- queries were OR-ed, so an exclusion held in one language only: "breach -mexico" kept a document whose
-- Spanish stems lack 'mexic' as long as its English stems lacked 'mexico'. Built term by term, a term
-- matches when either language's stems do, and "-term" excludes a document when either language's do.

-- One term (a word or a quoted phrase) in both languages. A term that either language drops entirely (a
-- stop word in it: "the", "de") is dropped altogether, as websearch_to_tsquery drops stop words: every
-- document is indexed in both languages, so an English text carries the Spanish "word" 'the', and keeping
-- the term would make "-the" exclude nearly everything. An empty tsquery is ignored by && and ||.
create function search_term(term text) returns tsquery
language sql immutable parallel safe strict
as $$
  select case when numnode(q.en) = 0 or numnode(q.es) = 0 then ''::tsquery else q.en || q.es end
  from (select phraseto_tsquery('faultline_english', term) as en, phraseto_tsquery('faultline_spanish', term) as es) q
$$;
