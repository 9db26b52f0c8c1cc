"""The baseline for bench/scan.py: a FastAPI hello-world served with the same uvicorn settings."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict:
    return {"hello": "world"}
