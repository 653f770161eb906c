"""The codex CLI version we speak as (user agent, rollouts): its own module, so `initialize` can name it
without importing the rollout store."""

CLI_VERSION = "0.163.0"
