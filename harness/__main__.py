from .reelkit_cli import main

main()
