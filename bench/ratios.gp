# Bar chart of plinth's speed over each baseline (bench/run.sh passes
# datafile and outfile).  Rows: "label",ratio,goal (goal 0 = no goal).
set terminal pngcairo size 1100,560 font ",10" noenhanced
set output outfile
set datafile separator ","
set title "plinth / baseline (higher is better; 1.0 = same speed)"
set style data histograms
set style fill solid 0.7 border -1
set boxwidth 0.7
set yrange [0:*]
set grid ytics
set xtics rotate by -35 left
set key top left
set ylabel "ratio"
plot datafile using 2:xtic(1) title "measured ratio" lc rgb "#3465a4", \
     '' using 0:($3 > 0 ? $3 : 1/0) with points pt 7 ps 1.2 lc rgb "#cc0000" title "goal", \
     1 with lines lc rgb "#555555" dt 2 notitle
