-- REST API request counters: one row per bucket (a credential or a client
-- address) per fixed window, shared by every process on this database.
-- `auth::rate_limit` judges a request by this window and the one before.
create table rate_window (
    bucket text not null,
    -- unix milliseconds, a multiple of the window's length
    window_start bigint not null,
    hits bigint not null,
    primary key (bucket, window_start)
);
create index rate_window_start_idx on rate_window (window_start);
