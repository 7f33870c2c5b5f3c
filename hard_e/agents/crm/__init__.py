"""The brain's CRM work: what a rep reads about customers and jobs, the writes that wait for the rep's
click, and the words for everything that can go wrong on the way. Speaks only to the `CRM` port."""
