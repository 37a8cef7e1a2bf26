//! Integration tests: the real server on port 0, a fresh database per test, driven over HTTP.
//! Every scenario runs twice, on SQLite and on PostgreSQL (see `both_backends!`).

mod helpers;

mod access;
mod account;
mod api;
mod api_contract;
mod api_posts;
mod api_sections;
mod community;
mod community_edits;
mod community_figures;
mod community_images;
mod community_links;
mod community_privacy;
mod community_search;
mod community_static;
mod crisis;
mod inbox;
mod inbox_details;
mod inbox_organise;
mod inbox_replies;
mod inbox_sla;
mod listening;
mod listening_stream;
mod members;
mod members_regulars;
mod moderation;
mod newsletters;
mod overview;
mod pages;
mod publishing;
mod publishing_approval;
mod publishing_calendar;
mod publishing_edit;
mod publishing_media;
mod publishing_oauth;
mod security;
mod settings_networks;
mod webhooks;
