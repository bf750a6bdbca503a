"""The projects blueprint, shared by the list routes (routes.py) and the project page's
routes (page_routes.py)."""
from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projects")
