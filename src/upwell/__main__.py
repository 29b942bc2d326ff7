from upwell.deliver.cli import main

main()
