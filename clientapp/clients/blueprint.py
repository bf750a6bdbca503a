"""The clients blueprint, shared by the list routes (routes.py) and the profile routes
(profile_routes.py)."""
from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")
