from amplifier.cli.app import main

main()
