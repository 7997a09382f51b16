-- WeChat's API errors, counted per minute by endpoint and errcode (or `unavailable`,
-- `bad_response`) for the console's dashboard; rows older than two hours are deleted as new
-- ones are written.
CREATE TABLE wechat_api_errors (
    minute    BIGINT NOT NULL,
    endpoint  TEXT   NOT NULL,
    errcode   TEXT   NOT NULL,
    count     BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (minute, endpoint, errcode)
);
