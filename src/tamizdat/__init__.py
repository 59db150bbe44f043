"""Tamizdat: a self-hosted platform for independent, ad-free, reader-funded newsrooms."""
