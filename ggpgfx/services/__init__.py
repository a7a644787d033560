"""Platform services: accounts, projects, billing, streams and graphics behind one HTTP API.

Import the submodules you need; nothing heavy (SQLAlchemy, FastAPI, Ray) loads at package import.
"""
