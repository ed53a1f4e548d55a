# Bar chart of plinth's speed over each baseline (bench/run.sh passes
# datafile and outfile).  Rows: "label",median ratio,best-round ratio,goal
# (goal 0 = no goal set).
set terminal pngcairo size 1200,600 font ",10" noenhanced
set output outfile
set datafile separator ","
set title "plinth speed / baseline speed (higher is better; 1.0 = same speed; log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.75 border -1
# Logarithmic: 2x faster and 2x slower are the same distance from 1.0.
set logscale y 2
set yrange [0.25:32]
set grid ytics
set xtics rotate by -35 left
set key top left
set ylabel "ratio"
set bmargin 9
set rmargin 12
plot datafile using 2:xtic(1) title "median of rounds" lc rgb "#3465a4", \
     '' using 3 title "best round" lc rgb "#8ae234", \
     '' using 0:($4 > 0 ? $4 : 1/0) with points pt 7 ps 1.4 lc rgb "#cc0000" title "goal", \
     1 with lines lc rgb "#555555" dt 2 notitle
