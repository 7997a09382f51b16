-- No query looks users up by unionid (followers are matched through oa_followers' own unionid
-- index), yet this index took a write at a random key for every new user and every login that
-- set the unionid: about a third of the random B-tree pages a login dirtied.
DROP INDEX IF EXISTS users_by_unionid;
