//! The WeChat client of `wxbase-wechat` against the emulator: tokens, phone numbers, open
//! data, faults and the control API, each through real HTTP.

mod bulk;
mod custom_limits;
mod faults;
mod helpers;
mod official_account;
mod open_data;
mod phone;
mod stable_token;
mod state;
mod token;
