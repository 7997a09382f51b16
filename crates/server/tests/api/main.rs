//! End-to-end tests: the emulator and wxbase on port 0, a fresh database each, driven over HTTP
//! as a mini-program and WeChat would.

mod admin;
mod admin_collections;
mod backups;
mod codes;
mod collections;
mod console;
mod console_pages;
mod embedding;
mod errors;
mod files;
mod helpers;
mod login;
mod metrics;
mod middleware;
mod moderation;
mod oa_push;
mod oa_support;
mod oa_sync;
mod official_account;
mod open_data;
mod openapi;
mod outbox;
mod push;
mod push_e2e;
mod push_logs;
mod push_support;
mod rules;
mod security;
mod subscribe;
mod tokens;
mod webhook_support;
mod webhooks;
