from geogrid.cli import main

main()
